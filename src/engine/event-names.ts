/**
 * Event names: at most 200 characters (§5.3). Mawjly's documented rule for the characters is
 * `[A-Za-z0-9_\-:.]+`; Laravel broadcasts class names such as `App\Events\OrderShipped`, so an app
 * setting (`lenientEventNames`) accepts any name up to the length limit, as Pusher does.
 */
import type { App } from "./app";

export const EVENT_NAME_RULE = "[A-Za-z0-9_\\-:.]+";
const EVENT_NAME = /^[A-Za-z0-9_\-:.]+$/;

export function validateEventName(name: unknown, app: App): string | null {
  if (typeof name !== "string" || name === "") return "event name must be a non-empty string";
  const max = app.limits.maxEventNameLength;
  if (name.length > max) return `event name is ${name.length} characters, the limit is ${max}`;
  if (!app.lenientEventNames && !EVENT_NAME.test(name)) {
    return `invalid event name '${name}': names must match ${EVENT_NAME_RULE} (enable the app setting lenientEventNames to accept any name up to ${max} characters, e.g. Laravel class names)`;
  }
  return null;
}
