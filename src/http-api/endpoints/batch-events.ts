/** POST /apps/{app_id}/batch_events: up to 10 events, each on one channel, validated as a whole (§5.4). */
import { HttpError } from "../../protocol/errors";
import { authenticate, jsonBody, type ApiDeps, type RequestTarget } from "../auth";
import { channelInfo, checkTrigger } from "../trigger";

export async function triggerBatch(deps: ApiDeps, request: Request, appId: string, url?: RequestTarget) {
  const req = await authenticate(deps, request, appId, url);
  const batch = jsonBody(req).batch;
  if (!Array.isArray(batch)) throw new HttpError(400, "Missing 'batch': it must be an array of events");
  const max = req.app.limits.maxBatchSize;
  if (batch.length > max) throw new HttpError(400, `Batch too large: ${batch.length} events, the limit is ${max}`);
  const checked = batch.map((item, index) => {
    if (item === null || typeof item !== "object" || Array.isArray(item)) {
      throw new HttpError(400, `Batch event ${index} must be a JSON object`);
    }
    try {
      return checkTrigger(req.app, item as Record<string, unknown>, true);
    } catch (err) {
      if (err instanceof HttpError) throw new HttpError(err.status, `Batch event ${index}: ${err.message}`);
      throw err;
    }
  });
  for (const trigger of checked) await deps.engine.publish(req.app, trigger);
  if (checked.every((t) => t.info.size === 0)) return {};
  return { batch: await Promise.all(checked.map((t) => channelInfo(deps.engine.live, req.app.id, t.channels[0]!, t.info))) };
}
