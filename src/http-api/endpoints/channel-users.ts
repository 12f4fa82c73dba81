/** GET /apps/{app_id}/channels/{channel_name}/users: distinct user ids of a presence channel (§5.7). */
import { channelType, validateChannelName } from "../../protocol/channels";
import { HttpError } from "../../protocol/errors";
import { authenticate, type ApiDeps } from "../auth";

export async function channelUsers(deps: ApiDeps, request: Request, appId: string, name: string) {
  const req = await authenticate(deps, request, appId);
  const problem = validateChannelName(name, req.app.limits.maxChannelNameLength);
  if (problem !== null) throw new HttpError(400, problem);
  if (channelType(name).kind !== "presence") {
    throw new HttpError(400, `Users can only be listed for presence channels, not ${name}`);
  }
  const members = await deps.engine.live.members(req.app.id, name);
  return { users: members.map((member) => ({ id: member.id })) };
}
