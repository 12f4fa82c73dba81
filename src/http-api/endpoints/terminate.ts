/**
 * POST /apps/{app_id}/users/{user_id}/terminate_connections (§5.8, §3.7): every node closes the
 * connections signed in as that user with pusher:error 4009 then close 4009, as soketi and sockudo do.
 * Also POST /users/{user_id}/terminate_connections, the path pusher-http-python 3.3.3 uses.
 */
import { authenticate, authenticateByKey, type ApiDeps, type ApiRequest } from "../auth";

export { TERMINATED } from "../../engine/control";

export async function terminateUser(deps: ApiDeps, request: Request, appId: string, userId: string) {
  return terminate(deps, await authenticate(deps, request, appId), userId);
}

/** The same without /apps/{app_id} in the path, as pusher-http-python 3.3.3 sends it (app from auth_key). */
export async function terminateUserByKey(deps: ApiDeps, request: Request, userId: string) {
  return terminate(deps, await authenticateByKey(deps, request), userId);
}

function terminate(deps: ApiDeps, req: ApiRequest, userId: string) {
  deps.engine.terminateUser(req.app.id, userId);
  return {};
}
