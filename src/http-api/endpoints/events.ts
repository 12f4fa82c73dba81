/** POST /apps/{app_id}/events: trigger one event on up to 100 channels (§5.3). */
import { then, type MaybePromise } from "../../engine/maybe";
import { channelType } from "../../protocol/channels";
import { authenticate, jsonBody, type ApiDeps, type RequestTarget, type ApiRequest } from "../auth";
import { channelInfo, checkTrigger, type CheckedTrigger } from "../trigger";

export async function triggerEvents(deps: ApiDeps, request: Request, appId: string, url?: RequestTarget) {
  return triggerEventsFor(deps, await authenticate(deps, request, appId, url));
}

/** After authentication; synchronous on one node unless `info` asks for counts. */
export function triggerEventsFor(deps: ApiDeps, req: ApiRequest): MaybePromise<object> {
  const trigger = checkTrigger(req.app, jsonBody(req), false);
  return then(deps.engine.publish(req.app, trigger), () => (trigger.info.size === 0 ? {} : infoOf(deps, req, trigger)));
}

async function infoOf(deps: ApiDeps, req: ApiRequest, trigger: CheckedTrigger) {
  const channels: Record<string, Record<string, number>> = Object.create(null);
  for (const channel of trigger.channels) {
    // '#server-to-user-' channels never appear in listings or counts (§3.5).
    if (channelType(channel).kind !== "user") channels[channel] = await channelInfo(deps.engine.live, req.app.id, channel, trigger.info);
  }
  return { channels };
}
