/** GET /apps/{app_id}/channels/{channel_name}: occupied, counts and cached event (§5.6). */
import { channelType, validateChannelName } from "../../protocol/channels";
import { HttpError } from "../../protocol/errors";
import { authenticate, infoAttributes, requireSubscriptionCounting, type ApiDeps } from "../auth";

export async function channelInfo(deps: ApiDeps, request: Request, appId: string, name: string) {
  const req = await authenticate(deps, request, appId);
  const problem = validateChannelName(name, req.app.limits.maxChannelNameLength);
  if (problem !== null) throw new HttpError(400, problem);
  const type = channelType(name);
  const info = infoAttributes(req.query.get("info"), ["user_count", "subscription_count", "cache"]);
  requireSubscriptionCounting(req.app, info);
  if (info.has("user_count") && type.kind !== "presence") {
    throw new HttpError(400, `user_count is only available for presence channels, not ${name}`);
  }
  if (info.has("cache") && !type.cache) throw new HttpError(400, `cache is only available for cache channels, not ${name}`);
  const live = deps.engine.live;
  const count = await live.subscriptionCount(req.app.id, name);
  const result: Record<string, unknown> = { occupied: count > 0 };
  if (info.has("user_count")) result.user_count = (await live.members(req.app.id, name)).length;
  if (info.has("subscription_count")) result.subscription_count = count;
  if (info.has("cache")) {
    const now = deps.engine.clock.now();
    const hit = await live.cached(req.app.id, name);
    result.cache = hit === undefined ? null : { event: hit.event, data: hit.data, ttl: Math.ceil((hit.expiresAt - now) / 1000) };
  }
  return result;
}
