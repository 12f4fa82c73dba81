/** An app's webhook endpoints, delivery log, test sends and redeliveries (src/webhooks service). */
import { Type } from "@sinclair/typebox";
import type { Elysia } from "elysia";
import { ServiceError } from "../../errors";
import type { EndpointInput, EndpointPatch } from "../../webhooks/schema";
import { callerOf, ownedApp, pageOf, paginate, type ApiServices } from "../context";
import { operation, PAGE, queryParams, type OperationDoc } from "../docs";

const doc = (d: Omit<OperationDoc, "tag">) => operation({ tag: "Webhooks", ...d });
const TestBody = Type.Optional(
  Type.Object({ type: Type.Optional(Type.String({ description: "Event type of the test event; default: the endpoint's first event type" })) }, { examples: [{ type: "member_added" }] }),
);

export const webhookRoutes = (s: ApiServices) => (app: Elysia<any, any, any, any, any, any, any>) => {
  const service = () => {
    if (s.webhooks === undefined) throw new ServiceError("not_found", "Webhooks are not available on this server");
    return s.webhooks;
  };
  /** The endpoint, if it belongs to an app the caller may see; otherwise 404 like a missing one. */
  const ownedEndpoint = async (request: Request, appId: string, endpointId: string) => {
    const target = ownedApp(s, callerOf(s, request), appId);
    const endpoint = (await service().list(target.id)).find((e) => e.id === endpointId);
    if (endpoint === undefined) throw new ServiceError("not_found", `No webhook endpoint '${endpointId}' in app ${target.id}`);
    return endpoint;
  };
  return app
    .get("/apps/:id/webhooks", async ({ request, params }) => ({ items: await service().list(ownedApp(s, callerOf(s, request), params.id).id) }), doc({ summary: "An app's webhook endpoints", access: "read", ok: [200, "WebhookList"], errors: [404] }))
    .post("/apps/:id/webhooks", async ({ request, params, body, set }) => {
      const target = ownedApp(s, callerOf(s, request), params.id);
      const endpoint = await service().add(target.id, body as EndpointInput);
      set.status = 201;
      return endpoint;
    }, doc({ summary: "Add a webhook endpoint", description: "A URL, its event types (default: all but client_event) and batching.", access: "change", body: "NewWebhook", ok: [201, "WebhookEndpoint"], errors: [400, 404, 409] }))
    .patch("/apps/:id/webhooks/:endpoint", async ({ request, params, body }) => {
      return service().update((await ownedEndpoint(request, params.id, params.endpoint)).id, body as EndpointPatch);
    }, doc({ summary: "Change a webhook endpoint", description: "Its URL, event types, enabled flag or batching.", access: "change", body: "WebhookPatch", ok: [200, "WebhookEndpoint"], errors: [400, 404, 409] }))
    .delete("/apps/:id/webhooks/:endpoint", async ({ request, params }) => {
      await service().remove((await ownedEndpoint(request, params.id, params.endpoint)).id);
      return {};
    }, doc({ summary: "Remove a webhook endpoint", description: "Its pending deliveries are dropped.", access: "change", ok: [200, "Empty"], errors: [404] }))
    .post("/apps/:id/webhooks/:endpoint/test", async ({ request, params, body }) => {
      return service().sendTest((await ownedEndpoint(request, params.id, params.endpoint)).id, (body as { type?: string } | undefined)?.type);
    }, doc({ summary: "Send a signed test event now", description: "Answers the delivery log entry of the attempt.", access: "change", body: TestBody, ok: [200, "DeliveryLogEntry"], errors: [400, 404] }))
    .get("/apps/:id/webhooks-log", async ({ request, params, query }) => {
      const target = ownedApp(s, callerOf(s, request), params.id);
      const entries = await service().log(target.id, { limit: 1000, endpointId: query.endpoint });
      return paginate(entries, pageOf(query));
    }, doc({
      summary: "The webhook delivery log",
      description: "Newest first: time, endpoint, event types, attempt, status, latency and error of each attempt.",
      access: "read",
      query: queryParams({ endpoint: Type.Optional(Type.String({ description: "Only this endpoint's deliveries" })), ...PAGE }),
      ok: [200, "DeliveryLogPage"],
      errors: [400, 404],
    }))
    .post("/apps/:id/webhooks-log/:log/redeliver", async ({ request, params }) => {
      const target = ownedApp(s, callerOf(s, request), params.id);
      const id = Number(params.log);
      if (!(await service().log(target.id, { limit: 1000 })).some((entry) => entry.id === id)) {
        throw new ServiceError("not_found", `No webhook delivery '${params.log}' in app ${target.id}`);
      }
      return service().redeliver(id);
    }, doc({ summary: "Deliver a logged delivery's events again", access: "change", ok: [200, "Redelivered"], errors: [403, 404] }));
};
