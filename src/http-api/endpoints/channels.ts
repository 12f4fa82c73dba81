/** GET /apps/{app_id}/channels: occupied channels, optionally by prefix, with user_count (§5.5). */
import { HttpError } from "../../protocol/errors";
import { authenticate, infoAttributes, requireSubscriptionCounting, type ApiDeps } from "../auth";

export async function listChannels(deps: ApiDeps, request: Request, appId: string) {
  const req = await authenticate(deps, request, appId);
  const prefix = req.query.get("filter_by_prefix") ?? "";
  const info = infoAttributes(req.query.get("info"), ["user_count", "subscription_count"]);
  requireSubscriptionCounting(req.app, info);
  if (info.has("user_count") && !prefix.startsWith("presence-")) {
    throw new HttpError(400, "user_count can only be requested for presence channels: add filter_by_prefix=presence-");
  }
  // An object even when empty: pusher-http-php reads it with get_object_vars (§5.5).
  // No prototype, so that a channel named "__proto__" is listed like any other.
  const channels: Record<string, Record<string, number>> = Object.create(null);
  for (const channel of await deps.engine.live.channels(req.app.id, prefix)) {
    const attrs: Record<string, number> = {};
    if (info.has("user_count")) attrs.user_count = channel.userCount ?? 0;
    if (info.has("subscription_count")) attrs.subscription_count = channel.subscriptionCount;
    channels[channel.name] = attrs;
  }
  return { channels };
}
