/** @jsxImportSource ../jsx */
/**
 * Keys: app id, cluster and every active key pair. A secret reaches the browser only in the answer to
 * an explicit, CSRF-checked "Reveal" POST, one pair at a time. Revoking closes the sockets that used
 * the pair (4009, engine.reload) and is refused for the only pair left (AppService's message).
 */
import type { Elysia } from "elysia";
import type { App } from "../../engine/app";
import type { DashboardDeps } from "../deps";
import { appFor, checkCsrf, formOf, htmlResponse, redirect, requireViewer, route, text, userError, type Viewer } from "../http";
import { AppLayout } from "../views/layout";
import { ActionButton, Notice, formatTime } from "../views/ui";

const DONE: Record<string, string> = {
  added: "Key pair added. Both pairs work until you revoke one.",
  revoked: "Key pair revoked. Connections that used it were closed.",
};

function KeysPage(props: { deps: DashboardDeps; viewer: Viewer; app: App; reveal?: string; ok?: string; error?: string }) {
  const { deps, viewer, app } = props;
  const base = `/dashboard/apps/${encodeURIComponent(app.id)}`;
  const byKey = deps.engine.live.localConnectionsByKey(app.id);
  const using = (key: string) => byKey.get(key) ?? 0;
  return (
    <AppLayout title={`Keys · ${app.name}`} viewer={viewer} app={app} tab="keys">
      <Notice ok={props.ok} error={props.error} />
      <section class="card" aria-labelledby="ids-h">
        <h2 id="ids-h">Identifiers</h2>
        <dl class="pairs">
          <dt>App id</dt>
          <dd><code id="app-id">{app.id}</code></dd>
          <dt>Cluster</dt>
          <dd><code id="app-cluster">{app.cluster}</code></dd>
        </dl>
      </section>
      <section aria-labelledby="keys-h">
        <h2 id="keys-h">Key pairs</h2>
        <p class="hint">Any active pair can connect clients and sign API requests. To rotate: add a pair, move your servers and clients to it, then revoke the old one.</p>
        <div class="table-wrap">
          <table class="keys stack">
            <thead>
              <tr>
                <th scope="col">Key</th>
                <th scope="col">Secret</th>
                <th scope="col">Created</th>
                <th scope="col" class="num">Connections</th>
                <th scope="col">Actions</th>
              </tr>
            </thead>
            <tbody>
              {app.keys.map((pair, i) => (
                <tr data-key={pair.key}>
                  <th scope="row">
                    <code class="key">{pair.key}</code>
                    {i === 0 && <span class="badge">primary</span>}
                  </th>
                  <td data-label="Secret">
                    {props.reveal === pair.key ? (
                      <code class="secret" data-secret={pair.key}>{pair.secret}</code>
                    ) : (
                      <span class="masked" aria-label="hidden secret">••••••••••••</span>
                    )}
                  </td>
                  <td data-label="Created">{formatTime(pair.createdAt)}</td>
                  <td class="num" data-label="Connections">{using(pair.key)}</td>
                  <td data-label="Actions">
                    <div class="actions">
                    {props.reveal !== pair.key && <ActionButton viewer={viewer} action={`${base}/keys/reveal`} label="Reveal secret" fields={{ key: pair.key }} />}
                    {app.keys.length > 1 && (
                      <ActionButton
                        viewer={viewer}
                        action={`${base}/keys/revoke`}
                        label="Revoke"
                        danger
                        fields={{ key: pair.key }}
                        confirm={`Revoke key ${pair.key}? Clients using it are disconnected at once.`}
                      />
                    )}
                    </div>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
        <p class="after-table">
          <ActionButton viewer={viewer} action={`${base}/keys/add`} label="Add a key pair" />
        </p>
      </section>
    </AppLayout>
  );
}

export const keyRoutes = (deps: DashboardDeps) => (app: Elysia<any, any, any, any, any, any, any>) =>
  app
    .get("/apps/:id/keys", route(deps, ({ request, params, query }) => {
      const viewer = requireViewer(deps, request);
      return htmlResponse(KeysPage({ deps, viewer, app: appFor(deps, viewer, params.id!), ok: DONE[query.done ?? ""] }));
    }))
    .post("/apps/:id/keys/reveal", route(deps, ({ request, params, body }) => {
      const viewer = requireViewer(deps, request);
      const target = appFor(deps, viewer, params.id!);
      const form = formOf(body);
      checkCsrf(deps, viewer, request, form);
      return htmlResponse(KeysPage({ deps, viewer, app: target, reveal: text(form, "key") }));
    }))
    .post("/apps/:id/keys/add", route(deps, async ({ request, params, body }) => {
      const viewer = requireViewer(deps, request);
      const target = appFor(deps, viewer, params.id!);
      checkCsrf(deps, viewer, request, formOf(body));
      await deps.apps.addKey(target.id);
      return redirect(`/dashboard/apps/${encodeURIComponent(target.id)}/keys?done=added`);
    }))
    .post("/apps/:id/keys/revoke", route(deps, async ({ request, params, body }) => {
      const viewer = requireViewer(deps, request);
      const target = appFor(deps, viewer, params.id!);
      const form = formOf(body);
      checkCsrf(deps, viewer, request, form);
      try {
        await deps.apps.revokeKey(target.id, text(form, "key"));
      } catch (err) {
        const known = userError(err);
        if (known === undefined) throw err;
        return htmlResponse(KeysPage({ deps, viewer, app: appFor(deps, viewer, target.id), error: known.message }), known.status);
      }
      return redirect(`/dashboard/apps/${encodeURIComponent(target.id)}/keys?done=revoked`);
    }));
