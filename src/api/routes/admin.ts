/** Admin only: accounts, plans and operator settings. Non-admins get 404, as for anything not theirs. */
import type { Elysia } from "elysia";
import type { AccountPatch, NewAccount, PlanInput, PlanPatch } from "../../accounts/schemas";
import { callerOf, pageOf, requireAdmin, type ApiServices } from "../context";
import { operation, PageQuery } from "../docs";

const admin = (s: ApiServices, request: Request) => requireAdmin(callerOf(s, request));
const ADMIN_ONLY = "Admins only: anyone else gets 404, as for a route that does not exist.";

export const adminRoutes = (s: ApiServices) => (app: Elysia<any, any, any, any, any, any, any>) =>
  app
    .get("/accounts", async ({ request, query }) => {
      admin(s, request);
      const page = pageOf(query);
      return { ...(await s.accounts.list(page.limit, page.offset)), ...page };
    }, operation({ tag: "Admin", summary: "List accounts", description: ADMIN_ONLY, access: "read", ok: [200, "AccountPage"], errors: [400, 404], query: PageQuery }))
    .post("/accounts", async ({ request, body, set }) => {
      admin(s, request);
      set.status = 201;
      return await s.accounts.create(body as NewAccount);
    }, operation({ tag: "Admin", summary: "Create an account", description: ADMIN_ONLY, access: "change", body: "NewAccount", ok: [201, "Account"], errors: [400, 404, 409] }))
    .get("/accounts/:id", async ({ request, params }) => {
      admin(s, request);
      return await s.accounts.get(params.id);
    }, operation({ tag: "Admin", summary: "One account", description: ADMIN_ONLY, access: "read", ok: [200, "Account"], errors: [404] }))
    .patch("/accounts/:id", async ({ request, params, body }) => {
      admin(s, request);
      return await s.accounts.update(params.id, body as AccountPatch);
    }, operation({ tag: "Admin", summary: "Change an account's name, plan, admin flag or password", description: `A new password ends the account's sessions. ${ADMIN_ONLY}`, access: "change", body: "AccountPatch", ok: [200, "Account"], errors: [400, 404] }))
    .delete("/accounts/:id", async ({ request, params }) => {
      admin(s, request);
      await s.accounts.delete(params.id);
      return {};
    }, operation({ tag: "Admin", summary: "Delete an account with its apps", description: `Its apps' connections are closed. ${ADMIN_ONLY}`, access: "change", ok: [200, "Empty"], errors: [400, 404] }))
    .get("/plans", async ({ request }) => {
      callerOf(s, request);
      return { items: await s.accounts.plans() };
    }, operation({ tag: "Plans", summary: "Plans and their limits", access: "read", ok: [200, "PlanList"] }))
    .post("/plans", async ({ request, body, set }) => {
      admin(s, request);
      set.status = 201;
      return await s.accounts.createPlan(body as PlanInput);
    }, operation({ tag: "Plans", summary: "Create a plan", description: ADMIN_ONLY, access: "change", body: "PlanInput", ok: [201, "Plan"], errors: [400, 404, 409] }))
    .patch("/plans/:id", async ({ request, params, body }) => {
      admin(s, request);
      return await s.accounts.updatePlan(params.id, body as PlanPatch);
    }, operation({ tag: "Plans", summary: "Change a plan's limits", description: `Applies to live connections within a second. ${ADMIN_ONLY}`, access: "change", body: "PlanPatch", ok: [200, "Plan"], errors: [400, 404] }))
    .delete("/plans/:id", async ({ request, params }) => {
      admin(s, request);
      await s.accounts.deletePlan(params.id);
      return {};
    }, operation({ tag: "Plans", summary: "Delete an unused plan", description: ADMIN_ONLY, access: "change", ok: [200, "Empty"], errors: [400, 404] }))
    .get("/settings", async ({ request }) => {
      admin(s, request);
      return { signupOpen: await s.accounts.signupOpen() };
    }, operation({ tag: "Admin", summary: "Operator settings", description: ADMIN_ONLY, access: "read", ok: [200, "Settings"], errors: [404] }))
    .patch("/settings", async ({ request, body }) => {
      admin(s, request);
      const patch = body as { signupOpen?: boolean };
      if (patch.signupOpen !== undefined) await s.accounts.setSignupOpen(patch.signupOpen);
      return { signupOpen: await s.accounts.signupOpen() };
    }, operation({ tag: "Admin", summary: "Open or close sign-up", description: ADMIN_ONLY, access: "change", body: "SettingsPatch", ok: [200, "Settings"], errors: [400, 404] }));
