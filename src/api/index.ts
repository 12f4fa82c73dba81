/**
 * The management API at /api/v1: resource-oriented JSON over the same services as the CLI and the
 * dashboard. Authenticated by session cookie (with CSRF checks on changes) or Bearer token.
 */
import { Elysia } from "elysia";
import { humanMessage } from "../accounts/validate";
import { authenticate, errorResponse, toErrorResponse, type ApiServices } from "./context";
import { MODELS } from "./models";
import { adminRoutes } from "./routes/admin";
import { appLiveRoutes } from "./routes/app-live";
import { appRoutes } from "./routes/apps";
import { meRoutes } from "./routes/me";
import { sessionRoutes } from "./routes/session";
import { webhookRoutes } from "./routes/webhooks";

export type { ApiServices } from "./context";

export function managementApi(services: ApiServices, extra: Array<(app: any) => any> = []) {
  // Unknown properties are refused, not stripped: the root app in server.ts sets normalize: false.
  let api: any = new Elysia({ name: "management-api", prefix: "/api/v1" }).model(MODELS).onError(({ code, error }) => {
    if (code === "VALIDATION") {
      const failed = error as { type?: string; valueError?: { path: string; message: string; type: number; schema: unknown } };
      // A reply that does not match its documented model is our bug, not the caller's.
      if (failed.type === "response") return toErrorResponse(error);
      const first = failed.valueError;
      const human = first === undefined ? undefined : humanMessage(first as never);
      if (human !== undefined) return errorResponse("invalid", human, 400);
      const field = first?.path ? first.path.replace(/^\//, "").replaceAll("/", ".") : "";
      if (field !== "" && first?.message === "Expected required property") {
        return errorResponse("invalid", `Invalid request: ${field} is required`, 400);
      }
      const where = field === "" ? "" : `${field}: `;
      return errorResponse("invalid", `Invalid request: ${where}${first?.message ?? "the body does not match the schema"}`, 400);
    }
    if (code === "PARSE") return errorResponse("invalid", "Invalid request: the body is not valid JSON", 400);
    if (code === "NOT_FOUND") return errorResponse("not_found", "No such endpoint", 404);
    return toErrorResponse(error);
  });
  // API answers can carry secrets (new apps, key reveals, new tokens): never stored by caches.
  api = api.onAfterHandle({ as: "scoped" }, ({ set }: { set: { headers: Record<string, string> } }) => {
    set.headers["cache-control"] = "no-store";
    set.headers["x-content-type-options"] = "nosniff";
  });
  // Who is calling is looked up in the store once per request, before any handler (context.ts).
  api = api.onBeforeHandle({ as: "scoped" }, async ({ request }: { request: Request }) => {
    await authenticate(services, request);
  });
  for (const routes of [sessionRoutes, meRoutes, adminRoutes, appRoutes, appLiveRoutes, webhookRoutes]) api = api.use(routes(services));
  for (const routes of extra) api = api.use(routes);
  return api as Elysia;
}
