/** Who is looking at a dashboard page. */
import type { Caller } from "../accounts/auth";

/** A signed-in browser session: the account and the session's CSRF token for its forms. */
export interface Viewer {
  caller: Caller;
  csrf: string;
}
