/** Apps and their key pairs, through the same AppService as the CLI. */
import type { Elysia } from "elysia";
import { AppSettingsInput, checkTenantInput, CreateAppInput } from "../../apps/service";
import { callerOf, ownedApp, pageOf, paginate, publicApp, type ApiServices } from "../context";

const tags = (summary: string) => ({ detail: { tags: ["Apps"], summary } });

export const appRoutes = (s: ApiServices) => (app: Elysia<any, any, any, any, any, any, any>) =>
  app
    .get("/apps", async ({ request, query }) => {
      const caller = callerOf(s, request);
      // Admins see every app with ?all=1; by default everyone sees their own.
      const all = caller.account.isAdmin && query.all === "1";
      const page = paginate(s.apps.list(all ? undefined : caller.account.id), pageOf(query));
      const items = [];
      for (const a of page.items) items.push({ ...publicApp(a), connections: await s.engine.live.connections(a.id) });
      return { ...page, items };
    }, tags("The caller's apps with live connection counts (admins: ?all=1 for every app)"))
    .post("/apps", ({ request, body, set }) => {
      const caller = callerOf(s, request);
      const { id: _ignored, ...input } = body;
      if (!caller.account.isAdmin) checkTenantInput(input);
      set.status = 201;
      return s.apps.create(input, { accountId: caller.account.id });
    }, { body: CreateAppInput, ...tags("Create an app (generated id, key and secret; the response shows the secret)") })
    .get("/apps/:id", ({ request, params }) => publicApp(ownedApp(s, callerOf(s, request), params.id)), tags("One app (without secrets)"))
    .patch("/apps/:id", ({ request, params, body }) => {
      const caller = callerOf(s, request);
      const target = ownedApp(s, caller, params.id);
      if (!caller.account.isAdmin) checkTenantInput(body);
      return publicApp(s.apps.update(target.id, body));
    }, { body: AppSettingsInput, ...tags("Rename, enable/disable, change settings and limits; applies to live connections at once") })
    .delete("/apps/:id", ({ request, params }) => {
      s.apps.delete(ownedApp(s, callerOf(s, request), params.id).id);
      return {};
    }, tags("Delete an app with its keys; its connections are closed"))
    .get("/apps/:id/keys", ({ request, params }) => ({ items: ownedApp(s, callerOf(s, request), params.id).keys }), tags("Reveal the active key pairs, with secrets"))
    .post("/apps/:id/keys", ({ request, params, set }) => {
      const target = ownedApp(s, callerOf(s, request), params.id);
      set.status = 201;
      return s.apps.addKey(target.id);
    }, tags("Add a key pair; both work until one is revoked"))
    .delete("/apps/:id/keys/:key", ({ request, params }) => {
      s.apps.revokeKey(ownedApp(s, callerOf(s, request), params.id).id, params.key);
      return {};
    }, tags("Revoke a key pair; connections that used it are closed (4009) within a second"));
