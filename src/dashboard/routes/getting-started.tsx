/** @jsxImportSource ../jsx */
/**
 * Getting started: snippets with this app's key and cluster and this server's address. "Show the
 * secret" is an explicit POST (CSRF-checked, never cached); a plain visit never sends the secret.
 */
import type { Elysia } from "elysia";
import type { App } from "../../engine/app";
import type { DashboardDeps } from "../deps";
import { appFor, checkCsrf, formOf, htmlResponse, requireViewer, route, type Viewer } from "../http";
import { endpointOf, SECRET_PLACEHOLDER, snippetsFor } from "../snippets";
import { AppLayout } from "../views/layout";
import { ActionButton, CopyBlock, Notice } from "../views/ui";

function StartPage(props: { viewer: Viewer; app: App; request: Request; revealed: boolean; created: boolean }) {
  const { app, viewer } = props;
  const at = endpointOf(props.request);
  const snip = snippetsFor(app, at, props.revealed ? app.secret : undefined);
  const base = `/dashboard/apps/${encodeURIComponent(app.id)}`;
  return (
    <AppLayout title={`Getting started · ${app.name}`} viewer={viewer} app={app} tab="start">
      <Notice ok={props.created ? "App created. Connect a client with the snippets below, then watch it in the debug console." : undefined} />
      <section class="card" aria-labelledby="conn-h">
        <h2 id="conn-h">Connection details</h2>
        <dl class="pairs">
          <dt>App id</dt>
          <dd><code>{app.id}</code></dd>
          <dt>Key</dt>
          <dd><code>{app.key}</code></dd>
          <dt>Cluster</dt>
          <dd><code>{app.cluster}</code></dd>
          <dt>Host</dt>
          <dd><code>{at.host}</code> port <code>{at.port}</code> ({at.tls ? "TLS: wss/https" : "no TLS: ws/http"})</dd>
        </dl>
        {props.revealed ? (
          <p class="hint">The secret is shown in the server snippets below. Keep it on your server; never ship it to browsers.</p>
        ) : (
          <div class="reveal-row">
            <p class="hint">Server snippets show <code>{SECRET_PLACEHOLDER}</code> until you reveal the secret.</p>
            <ActionButton viewer={viewer} action={`${base}/getting-started`} label="Show the secret in the snippets" />
          </div>
        )}
      </section>
      <section aria-labelledby="js-h">
        <h2 id="js-h">Browser: pusher-js</h2>
        <CopyBlock id="snippet-pusher-js" label="pusher-js client" code={snip.pusherJs} lang="js" />
      </section>
      <section aria-labelledby="laravel-h">
        <h2 id="laravel-h">Laravel</h2>
        <p class="hint">Laravel broadcasts events named after their class (<code>App\Events\OrderShipped</code>); turn on "Lenient event names" in <a href={`${base}/settings`}>Settings</a> unless you use <code>broadcastAs()</code>.</p>
        <CopyBlock id="snippet-laravel-env" label=".env" code={snip.laravelEnv} lang="dotenv" />
        <CopyBlock id="snippet-laravel-config" label="config/broadcasting.php" code={snip.laravelBroadcasting} lang="php" />
        <CopyBlock id="snippet-laravel-echo" label="Laravel Echo" code={snip.laravelEcho} lang="js" />
      </section>
      <section aria-labelledby="node-h">
        <h2 id="node-h">Server: Node "pusher" SDK</h2>
        <CopyBlock id="snippet-node" label="Node server" code={snip.nodeServer} lang="js" />
      </section>
    </AppLayout>
  );
}

export const gettingStartedRoutes = (deps: DashboardDeps) => (app: Elysia<any, any, any, any, any, any, any>) =>
  app
    .get("/apps/:id/getting-started", route(deps, ({ request, params, query }) => {
      const viewer = requireViewer(deps, request);
      const target = appFor(deps, viewer, params.id!);
      return htmlResponse(StartPage({ viewer, app: target, request, revealed: false, created: query.done === "created" }));
    }))
    .post("/apps/:id/getting-started", route(deps, ({ request, params, body }) => {
      const viewer = requireViewer(deps, request);
      const target = appFor(deps, viewer, params.id!);
      checkCsrf(deps, viewer, request, formOf(body));
      return htmlResponse(StartPage({ viewer, app: target, request, revealed: true, created: false }));
    }));
