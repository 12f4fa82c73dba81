/** Apps and their key pairs, through the same AppService as the CLI. */
import type { Elysia } from "elysia";
import { Type } from "@sinclair/typebox";
import { checkTenantInput } from "../../apps/service";
import { callerOf, ownedApp, pageOf, paginate, publicApp, type ApiServices } from "../context";
import { operation, PAGE, queryParams, type OperationDoc } from "../docs";

const doc = (d: Omit<OperationDoc, "tag">) => operation({ tag: "Apps", ...d });
const AppListQuery = queryParams({
  ...PAGE,
  all: Type.Optional(Type.String({ description: "Admins: 1 lists every app on the server, not only their own", examples: ["1"] })),
});

export const appRoutes = (s: ApiServices) => (app: Elysia<any, any, any, any, any, any, any>) =>
  app
    .get("/apps", async ({ request, query }) => {
      const caller = callerOf(s, request);
      // Admins see every app with ?all=1; by default everyone sees their own.
      const all = caller.account.isAdmin && query.all === "1";
      const page = paginate(await s.apps.list(all ? undefined : caller.account.id), pageOf(query));
      const items = [];
      for (const a of page.items) items.push({ ...publicApp(a), connections: await s.engine.live.connections(a.id) });
      return { ...page, items };
    }, doc({ summary: "The caller's apps with their open connections", description: "Admins may add `all=1` to list every app on the server.", access: "read", query: AppListQuery, ok: [200, "AppPage"], errors: [400] }))
    .post("/apps", ({ request, body, set }) => {
      const caller = callerOf(s, request);
      const { id: _ignored, ...input } = body;
      if (!caller.account.isAdmin) checkTenantInput(input);
      set.status = 201;
      return s.apps.create(input, { accountId: caller.account.id });
    }, doc({ summary: "Create an app", description: "The id, key and secret are generated; the response shows the secret.", access: "change", body: "CreateApp", ok: [201, "AppWithSecrets"], errors: [400, 409] }))
    .get("/apps/:id", ({ request, params }) => publicApp(ownedApp(s, callerOf(s, request), params.id)), doc({ summary: "One app, without its secrets", access: "read", ok: [200, "App"], errors: [404] }))
    .patch("/apps/:id", async ({ request, params, body }) => {
      const caller = callerOf(s, request);
      const target = ownedApp(s, caller, params.id);
      if (!caller.account.isAdmin) checkTenantInput(body);
      return publicApp(await s.apps.update(target.id, body));
    }, doc({ summary: "Change an app's name, settings or limits", description: "Applies to live connections at once.", access: "change", body: "AppSettings", ok: [200, "App"], errors: [400, 404, 409] }))
    .delete("/apps/:id", async ({ request, params }) => {
      await s.apps.delete(ownedApp(s, callerOf(s, request), params.id).id);
      return {};
    }, doc({ summary: "Delete an app with its keys", description: "Its connections are closed.", access: "change", ok: [200, "Empty"], errors: [404] }))
    .get("/apps/:id/keys", ({ request, params }) => ({ items: ownedApp(s, callerOf(s, request), params.id).keys }), doc({ summary: "The active key pairs, with their secrets", access: "read", ok: [200, "KeyList"], errors: [404] }))
    .post("/apps/:id/keys", ({ request, params, set }) => {
      const target = ownedApp(s, callerOf(s, request), params.id);
      set.status = 201;
      return s.apps.addKey(target.id);
    }, doc({ summary: "Add a key pair", description: "Every active pair works until it is revoked.", access: "change", ok: [201, "KeyPair"], errors: [404] }))
    .delete("/apps/:id/keys/:key", async ({ request, params }) => {
      await s.apps.revokeKey(ownedApp(s, callerOf(s, request), params.id).id, params.key);
      return {};
    }, doc({ summary: "Revoke a key pair", description: "Connections that used it are closed within a second. The last pair cannot be revoked.", access: "change", ok: [200, "Empty"], errors: [400, 404] }));
