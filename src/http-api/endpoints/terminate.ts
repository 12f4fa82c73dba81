/**
 * POST /apps/{app_id}/users/{user_id}/terminate_connections (§5.8, §3.7): closes every connection
 * signed in as that user with pusher:error 4009 then close 4009, as soketi and sockudo do.
 */
import { Code, PusherError } from "../../protocol/errors";
import { authenticate, type ApiDeps } from "../auth";

export const TERMINATED = "You got disconnected by the app.";

export async function terminateUser(deps: ApiDeps, request: Request, appId: string, userId: string) {
  const req = await authenticate(deps, request, appId);
  for (const session of [...(req.state.users.get(userId) ?? [])]) {
    session.sendError(new PusherError(Code.UNAUTHORIZED, TERMINATED));
    session.close(Code.UNAUTHORIZED, TERMINATED);
  }
  return {};
}
