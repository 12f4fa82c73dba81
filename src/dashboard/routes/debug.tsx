/** @jsxImportSource ../jsx */
/**
 * The debug console: a live server-sent stream of the app's lifecycle events (recent ones first, from
 * the ring buffer), filtered, paused and cleared in the browser, and an event creator that publishes
 * through checkTrigger and engine.publish: the same validation and path as the Pusher HTTP API. The
 * browser never holds app credentials; it talks only to this session-authenticated page.
 */
import type { Elysia } from "elysia";
import type { App } from "../../engine/app";
import { ServiceError } from "../../errors";
import { checkTrigger } from "../../http-api/trigger";
import type { DebugLog } from "../debug-log";
import type { DashboardDeps } from "../deps";
import { appFor, checkCsrf, formOf, htmlResponse, jsonResponse, redirect, requireViewer, route, text, userError, wantsJson, type Viewer } from "../http";
import { debugStream } from "../sse";
import { AppLayout } from "../views/layout";
import { Csrf, Notice } from "../views/ui";

/** Filter groups shown as checkboxes; each lists the entry types it covers. */
const FILTERS: Array<[string, string, string[]]> = [
  ["connections", "Connections", ["connected", "disconnected", "signed_in"]],
  ["subscriptions", "Subscriptions", ["subscribed", "unsubscribed"]],
  ["channels", "Occupied / vacated", ["occupied", "vacated"]],
  ["presence", "Members", ["member_added", "member_removed"]],
  ["api", "API messages", ["api_message"]],
  ["client", "Client events", ["client_event"]],
  ["webhooks", "Webhooks", ["webhook_sent", "webhook_failed"]],
  ["errors", "Errors", ["error"]],
];

function DebugPage(props: { viewer: Viewer; app: App; ok?: string; error?: string; form?: { channel: string; event: string; data: string } }) {
  const { app, viewer } = props;
  const base = `/dashboard/apps/${encodeURIComponent(app.id)}`;
  const form = props.form ?? { channel: "my-channel", event: "my-event", data: '{"message": "hello"}' };
  return (
    <AppLayout title={`Debug console · ${app.name}`} viewer={viewer} app={app} tab="debug" scripts={["debug.js"]}>
      <div class="debug-grid">
        <section class="card" aria-labelledby="creator-h">
          <h2 id="creator-h">Event creator</h2>
          <Notice ok={props.ok} error={props.error} />
          <p class="result" id="creator-result" role="status" aria-live="polite"></p>
          <form method="post" action={`${base}/debug/publish`} id="event-creator">
            <Csrf viewer={viewer} />
            <div class="field">
              <label for="ev-channel">Channel</label>
              <input id="ev-channel" name="channel" required value={form.channel} autocomplete="off" />
            </div>
            <div class="field">
              <label for="ev-event">Event name</label>
              <input id="ev-event" name="event" required value={form.event} autocomplete="off" />
            </div>
            <div class="field">
              <label for="ev-data">Data (JSON)</label>
              <textarea id="ev-data" name="data" rows="5" spellcheck="false">{form.data}</textarea>
            </div>
            <button type="submit" class="primary">Send event</button>
          </form>
        </section>
        <section class="card console" aria-labelledby="console-h" data-stream={`${base}/debug/stream`}>
          <h2 id="console-h">Live events</h2>
          <noscript><p class="notice error">The live console needs JavaScript. The event creator works without it.</p></noscript>
          <fieldset class="filters">
            <legend>Show</legend>
            {FILTERS.map(([id, label, types]) => (
              <label class="chip"><input type="checkbox" checked data-types={types.join(" ")} id={`flt-${id}`} /> {label}</label>
            ))}
          </fieldset>
          <div class="console-bar">
            <label for="flt-text" class="visually-hidden">Filter by text</label>
            <input id="flt-text" type="search" placeholder="Filter: channel, event, socket id, data…" />
            <button type="button" id="btn-pause" aria-pressed="false">Pause</button>
            <button type="button" id="btn-clear">Clear</button>
            <span id="stream-status" class="status" role="status">Connecting…</span>
          </div>
          <ol id="debug-log" class="log" aria-label="Events, newest first"></ol>
        </section>
      </div>
    </AppLayout>
  );
}

/**
 * Validates like POST /apps/{id}/events (which also refuses disabled apps), then publishes through the
 * engine's one publish path. The data must be JSON, as the console's clients will parse it.
 */
async function publishFromForm(deps: DashboardDeps, app: App, fields: { channel: string; event: string; data: string }): Promise<number> {
  if (!app.enabled) throw new ServiceError("forbidden", "The app is disabled: enable it in Settings to publish");
  JSON.parse(fields.data);
  const trigger = checkTrigger(app, { name: fields.event, channel: fields.channel, data: fields.data }, false);
  return await deps.engine.publish(app, trigger);
}

export const debugRoutes = (deps: DashboardDeps, log: DebugLog) => (app: Elysia<any, any, any, any, any, any, any>) =>
  app
    .get("/apps/:id/debug", route(deps, ({ request, params, query }) => {
      const viewer = requireViewer(deps, request);
      return htmlResponse(DebugPage({ viewer, app: appFor(deps, viewer, params.id!), ok: query.done === "sent" ? "Event sent." : undefined }));
    }))
    .get("/apps/:id/debug/stream", route(deps, ({ request, params, server }) => {
      const viewer = requireViewer(deps, request);
      const target = appFor(deps, viewer, params.id!);
      // A console may stay open for hours; the heartbeat covers servers without per-request timeouts.
      server?.timeout?.(request, 0);
      return debugStream(log, target.id, request, viewer.caller.account.id);
    }))
    .post("/apps/:id/debug/publish", route(deps, async ({ request, params, body }) => {
      const viewer = requireViewer(deps, request);
      const target = appFor(deps, viewer, params.id!);
      const form = formOf(body);
      const fields = { channel: text(form, "channel").trim(), event: text(form, "event").trim(), data: text(form, "data") };
      let problem: { status: number; message: string } | undefined;
      let recipients = 0;
      try {
        checkCsrf(deps, viewer, request, form);
        recipients = await publishFromForm(deps, target, fields);
      } catch (err) {
        problem = err instanceof SyntaxError ? { status: 400, message: `Data is not valid JSON: ${err.message}` } : userError(err);
        if (problem === undefined) throw err;
      }
      if (wantsJson(request)) {
        return problem ? jsonResponse({ error: problem.message }, problem.status) : jsonResponse({ ok: true, recipients });
      }
      if (problem) return htmlResponse(DebugPage({ viewer, app: target, error: problem.message, form: fields }), problem.status);
      return redirect(`/dashboard/apps/${encodeURIComponent(target.id)}/debug?done=sent`);
    }));
