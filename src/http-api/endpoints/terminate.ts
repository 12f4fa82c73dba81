/**
 * POST /apps/{app_id}/users/{user_id}/terminate_connections (§5.8, §3.7): closes every connection
 * signed in as that user with pusher:error 4009 then close 4009, as soketi and sockudo do.
 * Also POST /users/{user_id}/terminate_connections, the path pusher-http-python 3.3.3 uses.
 */
import { Code, PusherError } from "../../protocol/errors";
import { authenticate, authenticateByKey, type ApiDeps, type ApiRequest } from "../auth";

export const TERMINATED = "You got disconnected by the app.";

export async function terminateUser(deps: ApiDeps, request: Request, appId: string, userId: string) {
  return terminate(await authenticate(deps, request, appId), userId);
}

/** The same without /apps/{app_id} in the path, as pusher-http-python 3.3.3 sends it (app from auth_key). */
export async function terminateUserByKey(deps: ApiDeps, request: Request, userId: string) {
  return terminate(await authenticateByKey(deps, request), userId);
}

function terminate(req: ApiRequest, userId: string) {
  for (const session of [...(req.state.users.get(userId) ?? [])]) {
    session.sendError(new PusherError(Code.UNAUTHORIZED, TERMINATED));
    session.close(Code.UNAUTHORIZED, TERMINATED);
  }
  return {};
}
