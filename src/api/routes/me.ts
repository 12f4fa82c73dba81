/** The caller's own account, plan, usage and personal API tokens. */
import { Type } from "@sinclair/typebox";
import type { Elysia } from "elysia";
import { callerOf, type ApiServices } from "../context";

export const meRoutes = (s: ApiServices) => (app: Elysia<any, any, any, any, any, any, any>) =>
  app
    .get(
      "/me",
      async ({ request }) => {
        const { account, csrf } = callerOf(s, request);
        const plan = s.accounts.plan(account.planId);
        const appIds = s.apps.list(account.id).map((a) => a.id);
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
      { detail: { tags: ["Account"], summary: "The signed-in account with its plan and usage against it" } },
    )
    .get("/tokens", ({ request }) => ({ items: s.auth.tokens(callerOf(s, request).account.id) }), {
      detail: { tags: ["Account"], summary: "Personal API tokens (never the token values)" },
    })
    .post(
      "/tokens",
      ({ request, body, set }) => {
        const created = s.auth.createToken(callerOf(s, request).account.id, body.name);
        set.status = 201;
        return { ...created.info, token: created.token };
      },
      {
        body: Type.Object({ name: Type.String({ minLength: 1, maxLength: 100 }) }),
        detail: { tags: ["Account"], summary: "Create a token; its value is shown only in this response" },
      },
    )
    .delete(
      "/tokens/:id",
      ({ request, params }) => {
        s.auth.revokeToken(callerOf(s, request).account.id, params.id);
        return {};
      },
      { detail: { tags: ["Account"], summary: "Revoke a token" } },
    );
