/** The caller's own account, plan, usage and personal API tokens. */
import type { Elysia } from "elysia";
import { callerOf, type ApiServices } from "../context";
import { operation } from "../docs";

export const meRoutes = (s: ApiServices) => (app: Elysia<any, any, any, any, any, any, any>) =>
  app
    .get(
      "/me",
      async ({ request }) => {
        const { account, csrf } = callerOf(s, request);
        const plan = await s.accounts.plan(account.planId);
        const appIds = (await s.apps.list(account.id)).map((a) => a.id);
        return {
          account,
          plan,
          csrfToken: csrf ?? null,
          usage: {
            apps: appIds.length,
            connections: await s.quotas.connections(account.id),
            messagesToday: await s.quotas.messagesToday(account.id),
          },
        };
      },
      operation({ tag: "Account", summary: "The caller's account with its plan and usage against it", access: "read", ok: [200, "Me"] }),
    )
    .get("/tokens", async ({ request }) => ({ items: await s.auth.tokens(callerOf(s, request).account.id) }), operation({
      tag: "Account",
      summary: "Personal API tokens",
      description: "Names and dates only, never the token values. Revoked tokens stay listed with their revokedAt.",
      access: "read",
      ok: [200, "TokenList"],
    }))
    .post(
      "/tokens",
      async ({ request, body, set }) => {
        const created = await s.auth.createToken(callerOf(s, request).account.id, (body as { name: string }).name);
        set.status = 201;
        return { ...created.info, token: created.token };
      },
      operation({
        tag: "Account",
        summary: "Create a personal API token",
        description: "The token's value is in this response only; send it as `Authorization: Bearer <token>`. It acts as its account.",
        access: "change",
        body: "NewToken",
        ok: [201, "CreatedToken"],
        errors: [400],
      }),
    )
    .delete(
      "/tokens/:id",
      async ({ request, params }) => {
        await s.auth.revokeToken(callerOf(s, request).account.id, params.id);
        return {};
      },
      operation({ tag: "Account", summary: "Revoke a personal API token", description: "Requests with it are refused (401) at once.", access: "change", ok: [200, "Empty"], errors: [404] }),
    );
