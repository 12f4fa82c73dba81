/** An app's webhook endpoints, delivery log, test sends and redeliveries (src/webhooks service). */
import { Type } from "@sinclair/typebox";
import type { Elysia } from "elysia";
import { ServiceError } from "../../errors";
import { EndpointInput, EndpointPatch } from "../../webhooks/schema";
import { callerOf, ownedApp, pageOf, paginate, type ApiServices } from "../context";

const tags = (summary: string) => ({ detail: { tags: ["Webhooks"], summary } });

export const webhookRoutes = (s: ApiServices) => (app: Elysia<any, any, any, any, any, any, any>) => {
  const service = () => {
    if (s.webhooks === undefined) throw new ServiceError("not_found", "Webhooks are not available on this server");
    return s.webhooks;
  };
  /** The endpoint, if it belongs to an app the caller may see; otherwise 404 like a missing one. */
  const ownedEndpoint = (request: Request, appId: string, endpointId: string) => {
    const target = ownedApp(s, callerOf(s, request), appId);
    const endpoint = service().list(target.id).find((e) => e.id === endpointId);
    if (endpoint === undefined) throw new ServiceError("not_found", `No webhook endpoint '${endpointId}' in app ${target.id}`);
    return endpoint;
  };
  return app
    .get("/apps/:id/webhooks", ({ request, params }) => ({ items: service().list(ownedApp(s, callerOf(s, request), params.id).id) }), tags("Webhook endpoints of an app"))
    .post("/apps/:id/webhooks", ({ request, params, body, set }) => {
      const target = ownedApp(s, callerOf(s, request), params.id);
      set.status = 201;
      return service().add(target.id, body);
    }, { body: EndpointInput, ...tags("Add an endpoint: URL, event types (default: all but client_event), batching") })
    .patch("/apps/:id/webhooks/:endpoint", ({ request, params, body }) => {
      return service().update(ownedEndpoint(request, params.id, params.endpoint).id, body);
    }, { body: EndpointPatch, ...tags("Change an endpoint's URL, event types, enabled flag or batching") })
    .delete("/apps/:id/webhooks/:endpoint", ({ request, params }) => {
      service().remove(ownedEndpoint(request, params.id, params.endpoint).id);
      return {};
    }, tags("Remove an endpoint (its pending deliveries are dropped)"))
    .post("/apps/:id/webhooks/:endpoint/test", async ({ request, params, body }) => {
      return service().sendTest(ownedEndpoint(request, params.id, params.endpoint).id, body?.type);
    }, { body: Type.Optional(Type.Object({ type: Type.Optional(Type.String()) })), ...tags("Send a signed test event now; answers the delivery log entry") })
    .get("/apps/:id/webhooks-log", ({ request, params, query }) => {
      const target = ownedApp(s, callerOf(s, request), params.id);
      const entries = service().log(target.id, { limit: 1000, endpointId: query.endpoint });
      return paginate(entries, pageOf(query));
    }, tags("Delivery log, newest first (time, endpoint, event types, attempt, status, latency, error); ?endpoint= filters"))
    .post("/apps/:id/webhooks-log/:log/redeliver", ({ request, params }) => {
      const target = ownedApp(s, callerOf(s, request), params.id);
      const id = Number(params.log);
      if (!service().log(target.id, { limit: 1000 }).some((entry) => entry.id === id)) {
        throw new ServiceError("not_found", `No webhook delivery '${params.log}' in app ${target.id}`);
      }
      return service().redeliver(id);
    }, tags("Queue a logged delivery's events again"));
};
