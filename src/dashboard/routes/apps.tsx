/** @jsxImportSource ../jsx */
/**
 * The apps list: the account's apps (admins: every app) with live connection counts, the account's
 * usage against its plan, and "Create app" through AppService, whose plan-cap refusal is shown as is.
 */
import type { Elysia } from "elysia";
import type { App } from "../../engine/app";
import type { DashboardDeps } from "../deps";
import { accountMessagesToday } from "../usage";
import { checkCsrf, formOf, htmlResponse, jsonResponse, redirect, requireViewer, route, text, userError, type Viewer } from "../http";
import { Layout } from "../views/layout";
import { Csrf, Field, Notice, Usage } from "../views/ui";

const DONE: Record<string, string> = {
  welcome: "Your admin account is ready. Create your first app to get keys.",
  deleted: "The app was deleted and its connections closed.",
};

function visibleApps(deps: DashboardDeps, viewer: Viewer): Promise<App[]> {
  const account = viewer.caller.account;
  return deps.apps.list(account.isAdmin ? undefined : account.id);
}

/** Live figures of the page, also polled as live.json: connections per app, the account's usage. */
async function appsLive(deps: DashboardDeps, viewer: Viewer) {
  const id = viewer.caller.account.id;
  const apps: Record<string, number> = {};
  for (const a of await visibleApps(deps, viewer)) apps[a.id] = await deps.engine.live.connections(a.id);
  return { apps, account: { connections: await deps.quotas.connections(id), messagesToday: await accountMessagesToday(deps, id) } };
}
type AppsLive = Awaited<ReturnType<typeof appsLive>>;

/** The owners' emails an admin sees in the table, read before the page renders (the store answers asynchronously). */
async function ownerEmails(deps: DashboardDeps, viewer: Viewer, apps: App[]): Promise<Map<string, string>> {
  const owners = new Map<string, string>();
  if (!viewer.caller.account.isAdmin) return owners;
  for (const app of apps) {
    if (app.accountId === null || owners.has(app.accountId)) continue;
    const owner = await deps.accounts.store.account(app.accountId);
    if (owner !== undefined) owners.set(app.accountId, owner.email);
  }
  return owners;
}

function ownerLabel(owners: Map<string, string>, app: App, viewer: Viewer): string {
  if (app.accountId === null) return "operator (CLI)";
  if (app.accountId === viewer.caller.account.id) return "you";
  return owners.get(app.accountId) ?? app.accountId;
}

async function pageData(deps: DashboardDeps, viewer: Viewer) {
  const apps = await visibleApps(deps, viewer);
  return { apps, live: await appsLive(deps, viewer), owners: await ownerEmails(deps, viewer, apps) };
}

function AppsPage(props: { deps: DashboardDeps; viewer: Viewer; apps: App[]; live: AppsLive; owners: Map<string, string>; ok?: string; error?: string; name?: string }) {
  const { deps, viewer, apps, live } = props;
  const account = viewer.caller.account;
  const plan = deps.quotas.planOf(account.id);
  const own = apps.filter((a) => a.accountId === account.id).length;
  return (
    <Layout title="Apps" viewer={viewer} section="apps">
      <h1>Apps</h1>
      <Notice ok={props.ok} error={props.error} />
      <div data-poll="/dashboard/apps/live.json">
      <section class="card" aria-labelledby="plan-h">
        <h2 id="plan-h">Your plan: {plan?.name ?? account.planId}</h2>
        <div class="usage-grid">
          <Usage label="Apps" used={own} max={plan?.maxApps ?? 0} />
          <Usage label="Messages today" used={live.account.messagesToday} max={plan?.maxMessagesPerDay ?? 0} live="account.messagesToday" />
          <Usage label="Connections now" used={live.account.connections} max={plan?.maxConnections ?? 0} live="account.connections" />
        </div>
      </section>
      <section aria-labelledby="apps-h">
        <h2 id="apps-h">{account.isAdmin ? "All apps" : "Your apps"}</h2>
        {apps.length === 0 ? (
          <p class="empty">No apps yet. Create one below to get a key and secret.</p>
        ) : (
          <div class="table-wrap">
            <table class="stack">
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">App id</th>
                  {account.isAdmin && <th scope="col">Owner</th>}
                  <th scope="col" class="num">Connections</th>
                  <th scope="col">Status</th>
                </tr>
              </thead>
              <tbody>
                {apps.map((a) => (
                  <tr>
                    <th scope="row"><a href={`/dashboard/apps/${encodeURIComponent(a.id)}`}>{a.name}</a></th>
                    <td data-label="App id"><code>{a.id}</code></td>
                    {account.isAdmin && <td data-label="Owner">{ownerLabel(props.owners, a, viewer)}</td>}
                    <td class="num" data-label="Connections" data-live={`apps.${a.id}`}>{live.apps[a.id] ?? 0}</td>
                    <td data-label="Status">{a.enabled ? <span class="badge ok">enabled</span> : <span class="badge danger">disabled</span>}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
      </div>
      <section class="card" aria-labelledby="create-h">
        <h2 id="create-h">Create app</h2>
        <form method="post" action="/dashboard/apps" class="row-form">
          <Csrf viewer={viewer} />
          <Field label="App name" name="name" required maxlength={200} value={props.name} placeholder="My chat app" />
          <button type="submit" class="primary">Create app</button>
        </form>
      </section>
    </Layout>
  );
}

export const appsRoutes = (deps: DashboardDeps) => (app: Elysia<any, any, any, any, any, any, any>) =>
  app
    .get("/apps", route(deps, async ({ request, query }) => {
      const viewer = requireViewer(deps, request);
      return htmlResponse(AppsPage({ deps, viewer, ...(await pageData(deps, viewer)), ok: DONE[query.done ?? ""] }));
    }))
    .get("/apps/live.json", route(deps, async ({ request }) => jsonResponse(await appsLive(deps, requireViewer(deps, request)))))
    .post("/apps", route(deps, async ({ request, body }) => {
      const viewer = requireViewer(deps, request);
      const form = formOf(body);
      const name = text(form, "name").trim();
      try {
        checkCsrf(deps, viewer, request, form);
        const created = await deps.apps.create({ name }, { accountId: viewer.caller.account.id });
        return redirect(`/dashboard/apps/${encodeURIComponent(created.id)}/getting-started?done=created`);
      } catch (err) {
        const known = userError(err);
        if (known === undefined) throw err;
        return htmlResponse(AppsPage({ deps, viewer, ...(await pageData(deps, viewer)), error: known.message, name }), known.status);
      }
    }));
