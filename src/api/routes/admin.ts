/** Admin only: accounts, plans and operator settings. Non-admins get 404, as for anything not theirs. */
import { Type } from "@sinclair/typebox";
import type { Elysia } from "elysia";
import { AccountPatch, NewAccount, PlanInput, PlanPatch } from "../../accounts/schemas";
import { callerOf, pageOf, requireAdmin, type ApiServices } from "../context";

const admin = (s: ApiServices, request: Request) => requireAdmin(callerOf(s, request));
const tags = (tag: string, summary: string) => ({ detail: { tags: [tag], summary } });

export const adminRoutes = (s: ApiServices) => (app: Elysia<any, any, any, any, any, any, any>) =>
  app
    .get("/accounts", ({ request, query }) => {
      admin(s, request);
      const page = pageOf(query);
      return { ...s.accounts.list(page.limit, page.offset), ...page };
    }, tags("Admin", "List accounts (paginated: limit, offset)"))
    .post("/accounts", async ({ request, body, set }) => {
      admin(s, request);
      set.status = 201;
      return s.accounts.create(body);
    }, { body: NewAccount, ...tags("Admin", "Create an account") })
    .get("/accounts/:id", ({ request, params }) => {
      admin(s, request);
      return s.accounts.get(params.id);
    }, tags("Admin", "One account"))
    .patch("/accounts/:id", async ({ request, params, body }) => {
      admin(s, request);
      return s.accounts.update(params.id, body);
    }, { body: AccountPatch, ...tags("Admin", "Change an account's name, plan, admin flag or password") })
    .delete("/accounts/:id", ({ request, params }) => {
      admin(s, request);
      s.accounts.delete(params.id);
      return {};
    }, tags("Admin", "Delete an account with its apps"))
    .get("/plans", ({ request }) => {
      callerOf(s, request);
      return { items: s.accounts.plans() };
    }, tags("Plans", "Plans and their limits"))
    .post("/plans", ({ request, body, set }) => {
      admin(s, request);
      set.status = 201;
      return s.accounts.createPlan(body);
    }, { body: PlanInput, ...tags("Plans", "Create a plan (admin)") })
    .patch("/plans/:id", ({ request, params, body }) => {
      admin(s, request);
      return s.accounts.updatePlan(params.id, body);
    }, { body: PlanPatch, ...tags("Plans", "Change a plan's limits (admin); applies within a second") })
    .delete("/plans/:id", ({ request, params }) => {
      admin(s, request);
      s.accounts.deletePlan(params.id);
      return {};
    }, tags("Plans", "Delete an unused plan (admin)"))
    .get("/settings", ({ request }) => {
      admin(s, request);
      return { signupOpen: s.accounts.signupOpen() };
    }, tags("Admin", "Operator settings"))
    .patch("/settings", ({ request, body }) => {
      admin(s, request);
      if (body.signupOpen !== undefined) s.accounts.setSignupOpen(body.signupOpen);
      return { signupOpen: s.accounts.signupOpen() };
    }, { body: Type.Object({ signupOpen: Type.Optional(Type.Boolean()) }), ...tags("Admin", "Open or close sign-up") });
