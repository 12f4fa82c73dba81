/**
 * POST /apps/{app_id}/users/{user_id}/terminate_connections (§5.8, §3.7): every node closes the
 * connections signed in as that user with pusher:error 4009 then close 4009, as soketi and sockudo do.
 */
import { authenticate, type ApiDeps } from "../auth";

export { TERMINATED } from "../../engine/control";

export async function terminateUser(deps: ApiDeps, request: Request, appId: string, userId: string) {
  const req = await authenticate(deps, request, appId);
  deps.engine.terminateUser(req.app.id, userId);
  return {};
}
