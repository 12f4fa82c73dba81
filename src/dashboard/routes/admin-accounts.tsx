/** @jsxImportSource ../jsx */
/**
 * Admin only (404 for everyone else): accounts with their plan and admin flag, create, change, delete,
 * and whether visitors may sign up. Everything goes through AccountService, which also refuses to
 * remove the last admin.
 */
import type { Elysia } from "elysia";
import type { Account, Plan } from "../../accounts/schemas";
import type { DashboardDeps } from "../deps";
import { checkCsrf, checked, formOf, htmlResponse, redirect, requireAdmin, requireViewer, route, text, userError, type Ctx, type Viewer } from "../http";
import { Layout } from "../views/layout";
import { ActionButton, Csrf, Field, Notice, formatTime } from "../views/ui";

const PER_PAGE = 50;
const DONE: Record<string, string> = {
  created: "Account created.",
  saved: "Account saved.",
  deleted: "Account deleted, with its apps.",
  signup: "Sign-up setting saved.",
};

function PlanSelect(props: { plans: Plan[]; id: string; selected: string }) {
  return (
    <select name="planId" id={props.id}>
      {props.plans.map((p) => <option value={p.id} selected={p.id === props.selected}>{p.name} ({p.id})</option>)}
    </select>
  );
}

function AccountRow(props: { deps: DashboardDeps; viewer: Viewer; account: Account; plans: Plan[] }) {
  const { deps, viewer, account: a } = props;
  const at = `/dashboard/admin/accounts/${encodeURIComponent(a.id)}`;
  const formId = `acct-${a.id}`;
  return (
    <tr>
      <th scope="row">{a.email}{a.id === viewer.caller.account.id ? " (you)" : ""}<br /><span class="muted">{a.name}</span></th>
      <td class="num" data-label="Apps">{deps.appCache.countFor(a.id)}</td>
      <td data-label="Plan">
        <form method="post" action={at} id={formId} class="inline">
          <Csrf viewer={viewer} />
          <label for={`plan-${a.id}`} class="visually-hidden">Plan of {a.email}</label>
          <PlanSelect plans={props.plans} id={`plan-${a.id}`} selected={a.planId} />
        </form>
      </td>
      <td data-label="Admin">
        <input type="checkbox" name="isAdmin" form={formId} id={`admin-${a.id}`} checked={a.isAdmin} />
        <label for={`admin-${a.id}`} class="visually-hidden">{a.email} is an admin</label>
      </td>
      <td data-label="Created">{formatTime(a.createdAt)}</td>
      <td data-label="Actions">
        <div class="actions">
          <button type="submit" form={formId} class="small">Save</button>
          <ActionButton viewer={viewer} action={`${at}/delete`} label="Delete" danger confirm={`Delete ${a.email} and all of their apps?`} />
        </div>
      </td>
    </tr>
  );
}

type PageProps = { deps: DashboardDeps; viewer: Viewer; page: number; ok?: string; error?: string };

/** The page with what it shows read from the store first (components render synchronously). */
async function accountsPage(props: PageProps) {
  const { accounts } = props.deps;
  const [list, open, plans] = await Promise.all([accounts.list(PER_PAGE, (props.page - 1) * PER_PAGE), accounts.signupOpen(), accounts.plans()]);
  return AccountsPage({ ...props, list, open, plans });
}

function AccountsPage(props: PageProps & { list: { items: Account[]; total: number }; open: boolean; plans: Plan[] }) {
  const { deps, viewer, list, open } = props;
  const pages = Math.max(1, Math.ceil(list.total / PER_PAGE));
  return (
    <Layout title="Accounts" viewer={viewer} section="accounts">
      <h1>Accounts</h1>
      <Notice ok={props.ok} error={props.error} />
      <section class="card" aria-labelledby="signup-h">
        <h2 id="signup-h">Sign-up is {open ? "open" : "closed"}</h2>
        <p>{open ? "Anyone who can reach this server can create an account on the default plan." : "Only admins can create accounts."}</p>
        <ActionButton viewer={viewer} action="/dashboard/admin/signup" label={open ? "Close sign-up" : "Open sign-up"} fields={{ open: open ? "false" : "true" }} />
      </section>
      <section aria-labelledby="list-h">
        <h2 id="list-h">{list.total} account{list.total === 1 ? "" : "s"}</h2>
        <div class="table-wrap">
          <table class="stack">
            <thead>
              <tr>
                <th scope="col">Account</th>
                <th scope="col" class="num">Apps</th>
                <th scope="col">Plan</th>
                <th scope="col">Admin</th>
                <th scope="col">Created</th>
                <th scope="col">Actions</th>
              </tr>
            </thead>
            <tbody>{list.items.map((a) => <AccountRow deps={deps} viewer={viewer} account={a} plans={props.plans} />)}</tbody>
          </table>
        </div>
        {pages > 1 && (
          <nav aria-label="Pages" class="pager">
            {props.page > 1 ? <a href={`?page=${props.page - 1}`} rel="prev">Previous</a> : <span />}
            <span>Page {props.page} of {pages}</span>
            {props.page < pages ? <a href={`?page=${props.page + 1}`} rel="next">Next</a> : <span />}
          </nav>
        )}
      </section>
      <section class="card" aria-labelledby="new-h">
        <h2 id="new-h">Create an account</h2>
        <form method="post" action="/dashboard/admin/accounts" class="grid-form">
          <Csrf viewer={viewer} />
          <Field label="Email" name="email" type="email" required autocomplete="off" id="new-email" />
          <Field label="Name (optional)" name="name" id="new-name" maxlength={100} />
          <Field label="Password" name="password" type="password" required autocomplete="new-password" hint="At least 10 characters." id="new-password" />
          <div class="field">
            <label for="new-plan">Plan</label>
            <PlanSelect plans={props.plans} id="new-plan" selected="free" />
          </div>
          <div class="check">
            <input type="checkbox" name="isAdmin" id="new-admin" />
            <label for="new-admin">Administrator</label>
          </div>
          <div class="form-actions">
            <button type="submit" class="primary">Create account</button>
          </div>
        </form>
      </section>
    </Layout>
  );
}

type Run = (ctx: Ctx, form: ReturnType<typeof formOf>) => Promise<string> | string;

/** An admin POST: 404 for non-admins, CSRF, the service call, then the list with a message or the error. */
function adminAction(deps: DashboardDeps, run: Run) {
  return route(deps, async (ctx) => {
    const viewer = requireViewer(deps, ctx.request);
    requireAdmin(viewer);
    const form = formOf(ctx.body);
    try {
      checkCsrf(deps, viewer, ctx.request, form);
      return redirect(`/dashboard/admin/accounts?done=${await run(ctx, form)}`);
    } catch (err) {
      const known = userError(err);
      if (known === undefined) throw err;
      return htmlResponse(await accountsPage({ deps, viewer, page: 1, error: known.message }), known.status);
    }
  });
}

export const adminAccountRoutes = (deps: DashboardDeps) => (app: Elysia<any, any, any, any, any, any, any>) =>
  app
    .get("/admin", route(deps, () => redirect("/dashboard/admin/accounts")))
    .get("/admin/accounts", route(deps, async ({ request, query }) => {
      const viewer = requireViewer(deps, request);
      requireAdmin(viewer);
      const page = Math.max(1, Math.floor(Number(query.page ?? 1)) || 1);
      return htmlResponse(await accountsPage({ deps, viewer, page, ok: DONE[query.done ?? ""] }));
    }))
    .post("/admin/accounts", adminAction(deps, async (_ctx, form) => {
      await deps.accounts.create({
        email: text(form, "email"),
        name: text(form, "name").trim() || undefined,
        password: text(form, "password"),
        planId: text(form, "planId") || undefined,
        isAdmin: checked(form, "isAdmin"),
      });
      return "created";
    }))
    .post("/admin/accounts/:account", adminAction(deps, async ({ params }, form) => {
      await deps.accounts.update(params.account!, { planId: text(form, "planId"), isAdmin: checked(form, "isAdmin") });
      return "saved";
    }))
    .post("/admin/accounts/:account/delete", adminAction(deps, async ({ params }) => {
      // The store deletes the apps with the account; telling the app service closes their live sockets now.
      const owned = (await deps.apps.list(params.account!)).map((a) => a.id);
      await deps.accounts.delete(params.account!);
      for (const id of owned) deps.apps.onChange(id);
      return "deleted";
    }))
    .post("/admin/signup", adminAction(deps, async (_ctx, form) => {
      await deps.accounts.setSignupOpen(text(form, "open") === "true");
      return "signup";
    }));
