/** POST /apps/{app_id}/events: trigger one event on up to 100 channels (§5.3). */
import { channelType } from "../../protocol/channels";
import { authenticate, jsonBody, type ApiDeps } from "../auth";
import { channelInfo, checkTrigger } from "../trigger";

export async function triggerEvents(deps: ApiDeps, request: Request, appId: string, url?: URL) {
  const req = await authenticate(deps, request, appId, url);
  const trigger = checkTrigger(req.app, jsonBody(req), false);
  const published = deps.engine.publish(req.app, trigger);
  if (typeof published !== "number") await published; // remote adapters only: no extra tick on one node
  if (trigger.info.size === 0) return {};
  const channels: Record<string, Record<string, number>> = Object.create(null);
  for (const channel of trigger.channels) {
    // '#server-to-user-' channels never appear in listings or counts (§3.5).
    if (channelType(channel).kind !== "user") channels[channel] = await channelInfo(deps.engine.live, req.app.id, channel, trigger.info);
  }
  return { channels };
}
