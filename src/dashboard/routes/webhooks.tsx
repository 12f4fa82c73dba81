/** @jsxImportSource ../jsx */
/**
 * Webhooks: the app's endpoints (URL, event types, enabled, batching, backlog), add / edit / remove,
 * "send test", and the delivery log with "redeliver", all through the WebhookService the CLI and the
 * management API use. Endpoints and log entries of other apps are 404, like everything not yours.
 */
import type { Elysia } from "elysia";
import type { App } from "../../engine/app";
import { DEFAULT_EVENT_TYPES, EVENT_TYPES } from "../../webhooks/event-types";
import type { DeliveryLogEntry, WebhookEndpoint } from "../../webhooks/schema";
import type { DashboardDeps, WebhookSource } from "../deps";
import { appFor, checkCsrf, checked, formOf, htmlResponse, PageNotFound, redirect, requireViewer, route, text, userError, values, type Ctx, type Viewer } from "../http";
import { AppLayout } from "../views/layout";
import { ActionButton, Csrf, Field, Notice, formatTime } from "../views/ui";

const LOG_SHOWN = 50;
const DONE: Record<string, string> = {
  added: "Webhook endpoint added.",
  saved: "Webhook endpoint saved.",
  removed: "Webhook endpoint removed.",
  redelivered: "The events were queued again; watch the log below.",
  "test-ok": "Test event delivered.",
};
const FAILED: Record<string, string> = {
  "test-failed": "The test event was not accepted: see the response in the delivery log below.",
};

function EventChoices(props: { idPrefix: string; selected: readonly string[] }) {
  return (
    <fieldset class="choices">
      <legend>Event types</legend>
      {EVENT_TYPES.map((type) => (
        <label class="chip">
          <input type="checkbox" name="events" value={type} checked={props.selected.includes(type)} id={`${props.idPrefix}-${type}`} /> {type}
        </label>
      ))}
    </fieldset>
  );
}

function EndpointRow(props: { viewer: Viewer; base: string; endpoint: WebhookEndpoint; pending: number }) {
  const { viewer, endpoint: e, base } = props;
  const at = `${base}/webhooks/${encodeURIComponent(e.id)}`;
  return (
    <li class="card endpoint">
      <p class="endpoint-url"><code>{e.url}</code> {e.enabled ? <span class="badge ok">enabled</span> : <span class="badge">disabled</span>} {e.batch && <span class="badge">batched</span>}</p>
      <p class="hint">{e.events.join(", ")} · {props.pending} waiting to be delivered</p>
      <div class="actions">
        <ActionButton viewer={viewer} action={`${at}/test`} label="Send test" />
        <ActionButton viewer={viewer} action={`${at}/remove`} label="Remove" danger confirm={`Remove the webhook endpoint ${e.url}? Its undelivered events are dropped.`} />
      </div>
      <details>
        <summary>Edit</summary>
        <form method="post" action={`${at}/update`}>
          <Csrf viewer={viewer} />
          <Field label="URL" name="url" type="url" value={e.url} required id={`url-${e.id}`} />
          <EventChoices idPrefix={`ev-${e.id}`} selected={e.events} />
          <label class="chip"><input type="checkbox" name="enabled" checked={e.enabled} /> Enabled</label>
          <label class="chip"><input type="checkbox" name="batch" checked={e.batch} /> Batch several events per request</label>
          <button type="submit">Save endpoint</button>
        </form>
      </details>
    </li>
  );
}

interface PageProps {
  deps: DashboardDeps;
  viewer: Viewer;
  app: App;
  ok?: string;
  error?: string;
  url?: string;
}

/** Reads what the page shows (the store answers asynchronously), then renders it. */
async function webhooksPage(props: PageProps) {
  const hooks = props.deps.webhooks;
  if (hooks === undefined) return WebhooksPage({ ...props, endpoints: [], pending: new Map(), log: [] });
  const [endpoints, backlog, log] = await Promise.all([hooks.list(props.app.id), hooks.backlog(props.app.id), hooks.log(props.app.id, { limit: LOG_SHOWN })]);
  return WebhooksPage({ ...props, endpoints, pending: new Map(backlog.map((b) => [b.endpointId, b.pending])), log });
}

function WebhooksPage(props: PageProps & { endpoints: WebhookEndpoint[]; pending: Map<string, number>; log: DeliveryLogEntry[] }) {
  const { deps, viewer, app, endpoints, pending, log } = props;
  const base = `/dashboard/apps/${encodeURIComponent(app.id)}`;
  const hooks = deps.webhooks;
  if (hooks === undefined) {
    return (
      <AppLayout title={`Webhooks · ${app.name}`} viewer={viewer} app={app} tab="webhooks">
        <Notice error="Webhooks are not available on this server." />
      </AppLayout>
    );
  }
  return (
    <AppLayout title={`Webhooks · ${app.name}`} viewer={viewer} app={app} tab="webhooks">
      <Notice ok={props.ok} error={props.error} />
      <section aria-labelledby="ep-h">
        <h2 id="ep-h">Endpoints</h2>
        <p class="hint">Each endpoint receives signed POSTs (X-Pusher-Key, X-Pusher-Signature) for the event types it chose.</p>
        {endpoints.length === 0 ? (
          <p class="empty">No webhook endpoints yet.</p>
        ) : (
          <ul class="endpoints">
            {endpoints.map((e) => <EndpointRow viewer={viewer} base={base} endpoint={e} pending={pending.get(e.id) ?? 0} />)}
          </ul>
        )}
      </section>
      <section class="card" aria-labelledby="add-h">
        <h2 id="add-h">Add an endpoint</h2>
        <form method="post" action={`${base}/webhooks`}>
          <Csrf viewer={viewer} />
          <Field label="URL" name="url" type="url" required value={props.url} placeholder="https://example.com/pusher/webhook" />
          <EventChoices idPrefix="new" selected={DEFAULT_EVENT_TYPES} />
          <label class="chip"><input type="checkbox" name="batch" /> Batch several events per request</label>
          <button type="submit" class="primary">Add endpoint</button>
        </form>
      </section>
      <section aria-labelledby="log-h">
        <h2 id="log-h">Delivery log</h2>
        {log.length === 0 ? (
          <p class="empty">Nothing delivered yet.</p>
        ) : (
          <div class="table-wrap">
            <table>
              <caption class="visually-hidden">Last {LOG_SHOWN} delivery attempts, newest first</caption>
              <thead>
                <tr>
                  <th scope="col">Time</th>
                  <th scope="col">Endpoint</th>
                  <th scope="col">Events</th>
                  <th scope="col">Outcome</th>
                  <th scope="col" class="num">Attempt</th>
                  <th scope="col">Response</th>
                  <th scope="col">Actions</th>
                </tr>
              </thead>
              <tbody>
                {log.map((entry) => (
                  <tr>
                    <td>{formatTime(entry.time)}</td>
                    <td><code>{entry.url}</code></td>
                    <td>{entry.kind === "test" ? "test: " : ""}{entry.eventCount} × {entry.eventTypes.join(", ")}</td>
                    <td><span class={`badge ${entry.outcome === "delivered" ? "ok" : entry.outcome === "failed" ? "danger" : ""}`}>{entry.outcome}</span></td>
                    <td class="num">{entry.attempt}</td>
                    <td>{entry.status === null ? "no response" : `HTTP ${entry.status}`}{entry.latencyMs === null ? "" : ` · ${entry.latencyMs} ms`}{entry.error ? ` · ${entry.error}` : ""}</td>
                    <td>{entry.kind !== "test" && <ActionButton viewer={viewer} action={`${base}/webhooks/log/${entry.id}/redeliver`} label="Redeliver" />}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
    </AppLayout>
  );
}

/** The endpoint if it belongs to the app in the URL; otherwise 404. */
async function endpointOf(hooks: WebhookSource, app: App, id: string): Promise<WebhookEndpoint> {
  const endpoint = await hooks.get(id);
  if (endpoint.appId !== app.id) throw new PageNotFound();
  return endpoint;
}

type Action = (hooks: WebhookSource, app: App, ctx: Ctx) => Promise<string> | string;

/** A POST on an app's webhooks: CSRF, the service call, then back to the page with its message or error. */
function action(deps: DashboardDeps, run: Action) {
  return route(deps, async (ctx) => {
    const viewer = requireViewer(deps, ctx.request);
    const app = appFor(deps, viewer, ctx.params.id!);
    if (deps.webhooks === undefined) throw new PageNotFound();
    const form = formOf(ctx.body);
    try {
      checkCsrf(deps, viewer, ctx.request, form);
      const done = await run(deps.webhooks, app, ctx);
      return redirect(`/dashboard/apps/${encodeURIComponent(app.id)}/webhooks?done=${done}`);
    } catch (err) {
      const known = userError(err);
      if (known === undefined || err instanceof PageNotFound) throw err;
      const url = ctx.params.endpoint === undefined ? text(form, "url") : undefined;
      return htmlResponse(await webhooksPage({ deps, viewer, app, error: known.message, url }), known.status);
    }
  });
}

function endpointInput(form: ReturnType<typeof formOf>) {
  return { url: text(form, "url").trim(), events: values(form, "events"), batch: checked(form, "batch") };
}

export const webhookRoutes = (deps: DashboardDeps) => (app: Elysia<any, any, any, any, any, any, any>) =>
  app
    .get("/apps/:id/webhooks", route(deps, async ({ request, params, query }) => {
      const viewer = requireViewer(deps, request);
      return htmlResponse(await webhooksPage({ deps, viewer, app: appFor(deps, viewer, params.id!), ok: DONE[query.done ?? ""], error: FAILED[query.done ?? ""] }));
    }))
    .post("/apps/:id/webhooks", action(deps, async (hooks, app, { body }) => {
      await hooks.add(app.id, endpointInput(formOf(body)));
      return "added";
    }))
    .post("/apps/:id/webhooks/:endpoint/update", action(deps, async (hooks, app, { params, body }) => {
      const endpoint = await endpointOf(hooks, app, params.endpoint!);
      await hooks.update(endpoint.id, { ...endpointInput(formOf(body)), enabled: checked(formOf(body), "enabled") });
      return "saved";
    }))
    .post("/apps/:id/webhooks/:endpoint/remove", action(deps, async (hooks, app, { params }) => {
      await hooks.remove((await endpointOf(hooks, app, params.endpoint!)).id);
      return "removed";
    }))
    .post("/apps/:id/webhooks/:endpoint/test", action(deps, async (hooks, app, { params }) => {
      const entry = await hooks.sendTest((await endpointOf(hooks, app, params.endpoint!)).id);
      return entry.outcome === "delivered" ? "test-ok" : "test-failed";
    }))
    .post("/apps/:id/webhooks/log/:log/redeliver", action(deps, async (hooks, app, { params }) => {
      const logId = Number(params.log);
      // The service looks entries up by id alone; only this app's recent entries may be redelivered.
      if (!(await hooks.log(app.id, { limit: 1000 })).some((e) => e.id === logId)) throw new PageNotFound();
      await hooks.redeliver(logId);
      return "redelivered";
    }));
