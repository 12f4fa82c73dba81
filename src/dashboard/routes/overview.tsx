/** @jsxImportSource ../jsx */
/**
 * An app's overview: connections now and today's peak, messages today against the plan's quota, and
 * uPlot charts of connections (peak, average) and messages by kind over the last hour, day or 30 days.
 * The charts read /usage.json; the same numbers are in a table for screen readers and no-JS browsers.
 */
import type { Elysia } from "elysia";
import type { App } from "../../engine/app";
import type { DashboardDeps, UsagePeriod, UsageSeries } from "../deps";
import { accountMessagesToday } from "../usage";
import { appFor, htmlResponse, jsonResponse, requireViewer, route, type Viewer } from "../http";
import { AppLayout } from "../views/layout";
import { Notice, Usage } from "../views/ui";

const PERIODS: Array<[UsagePeriod, string]> = [
  ["hour", "Last hour"],
  ["day", "Last 24 hours"],
  ["month", "Last 30 days"],
];

async function liveNumbers(deps: DashboardDeps, app: App) {
  const today = await deps.usage?.today([app.id]);
  const connections = await deps.engine.live.connections(app.id);
  return {
    connections,
    // The rollup's peak is counted at every connect; the live count still covers a recorder that started late.
    peakToday: today === undefined ? null : Math.max(today.connectionsPeak, connections),
    appMessagesToday: today?.messages ?? null,
    appPublishedToday: today?.published ?? null,
    appDeliveredToday: today?.delivered ?? null,
    accountMessagesToday: app.accountId === null ? null : await accountMessagesToday(deps, app.accountId),
  };
}

/** "minute", "hour" or "day": the bucket of a series, for captions (charts.client.js has the same). */
export function bucketName(bucketSeconds: number): string {
  return bucketSeconds >= 86400 ? "day" : bucketSeconds >= 3600 ? "hour" : "minute";
}

export function UsageTable(props: { series: UsageSeries }) {
  const stamp = (t: number) => new Date(t * 1000).toISOString().replace("T", " ").slice(0, props.series.period === "month" ? 10 : 16);
  return (
    <table id="usage-table">
      <caption>Usage per <span data-bucket-name>{bucketName(props.series.bucketSeconds)}</span> (UTC); the last row is the current <span data-bucket-name>{bucketName(props.series.bucketSeconds)}</span>, still counting</caption>
      <thead>
        <tr>
          <th scope="col">Time</th>
          <th scope="col" class="num">Peak connections</th>
          <th scope="col" class="num">Average connections</th>
          <th scope="col" class="num">Published: API</th>
          <th scope="col" class="num">Published: client</th>
          <th scope="col" class="num">Delivered</th>
        </tr>
      </thead>
      <tbody>
        {props.series.points.map((p) => (
          <tr>
            <th scope="row">{stamp(p.t)}{p.partial ? " (so far)" : ""}</th>
            <td class="num">{p.connectionsPeak}</td>
            <td class="num">{Math.round(p.connectionsAvg * 10) / 10}</td>
            <td class="num">{p.apiMessages}</td>
            <td class="num">{p.clientMessages}</td>
            <td class="num">{p.delivered}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function OverviewPage(props: { deps: DashboardDeps; viewer: Viewer; app: App; n: Awaited<ReturnType<typeof liveNumbers>>; hour: UsageSeries | undefined }) {
  const { deps, app, n } = props;
  const plan = app.accountId === null ? undefined : deps.quotas.planOf(app.accountId);
  const base = `/dashboard/apps/${encodeURIComponent(app.id)}`;
  return (
    <AppLayout title={app.name} viewer={props.viewer} app={app} tab="overview" scripts={deps.usage ? ["uplot.js", "charts.js"] : []} styles={deps.usage ? ["uplot.css"] : []}>
      <section aria-labelledby="now-h" class="card" data-poll={`${base}/live.json`}>
        <h2 id="now-h">Today</h2>
        <dl class="stats">
          <div>
            <dt>Connections now</dt>
            <dd data-live="connections">{n.connections}</dd>
          </div>
          <div>
            <dt>Peak today</dt>
            <dd data-live="peakToday">{n.peakToday ?? "—"}</dd>
          </div>
          <div>
            <dt>Messages today (this app)</dt>
            <dd data-live="appMessagesToday">{n.appMessagesToday ?? "—"}</dd>
          </div>
        </dl>
        {n.appMessagesToday !== null && (
          <p class="hint">
            Counted like Pusher: <span data-live="appPublishedToday">{n.appPublishedToday}</span> published (API events, once per
            channel, and client events) + <span data-live="appDeliveredToday">{n.appDeliveredToday}</span> delivered to connections.
          </p>
        )}
        {n.accountMessagesToday !== null && (
          <Usage label="Messages delivered today, whole account (the daily quota counts deliveries)" used={n.accountMessagesToday} max={plan?.maxMessagesPerDay ?? 0} live="accountMessagesToday" />
        )}
        {app.accountId === null && <p class="hint">An operator app (created from the CLI): no plan quota applies.</p>}
      </section>
      <section aria-labelledby="charts-h">
        <h2 id="charts-h">Usage</h2>
        {props.hour === undefined ? (
          <Notice error="Usage charts are not available: this server does not record usage." />
        ) : (
          <div class="charts" data-usage-url={`${base}/usage.json`}>
            <div class="segmented" role="group" aria-label="Period">
              {PERIODS.map(([p, label]) => (
                <button type="button" data-period={p} aria-pressed={p === "hour" ? "true" : "false"}>{label}</button>
              ))}
            </div>
            <p class="hint">One point per <span data-bucket-name>minute</span> (UTC). The current <span data-bucket-name>minute</span> is still counting, so it is left out of the charts and marked "so far" in the table.</p>
            <figure>
              <figcaption>Connections per <span data-bucket-name>minute</span>: peak and average</figcaption>
              <div class="chart" id="chart-connections" role="img" aria-label="Chart of peak and average connections; the numbers are in the table below"></div>
            </figure>
            <figure>
              <figcaption>Messages per <span data-bucket-name>minute</span>: published (API, client) and delivered; Pusher's message count is their sum</figcaption>
              <div class="chart" id="chart-messages" role="img" aria-label="Chart of messages published through the API, client events, and messages delivered; the numbers are in the table below"></div>
            </figure>
            <details>
              <summary>Numbers as a table</summary>
              <div class="table-wrap" id="usage-table-wrap">
                <UsageTable series={props.hour} />
              </div>
            </details>
          </div>
        )}
      </section>
    </AppLayout>
  );
}

export const overviewRoutes = (deps: DashboardDeps) => (app: Elysia<any, any, any, any, any, any, any>) =>
  app
    .get("/apps/:id", route(deps, async ({ request, params }) => {
      const viewer = requireViewer(deps, request);
      const app = appFor(deps, viewer, params.id!);
      const hour = await deps.usage?.series(app.id, "hour");
      return htmlResponse(OverviewPage({ deps, viewer, app, n: await liveNumbers(deps, app), hour }));
    }))
    .get("/apps/:id/live.json", route(deps, async ({ request, params }) => {
      const viewer = requireViewer(deps, request);
      return jsonResponse(await liveNumbers(deps, appFor(deps, viewer, params.id!)));
    }))
    .get("/apps/:id/usage.json", route(deps, async ({ request, params, query }) => {
      const viewer = requireViewer(deps, request);
      const target = appFor(deps, viewer, params.id!);
      const period = (query.period ?? "hour") as UsagePeriod;
      if (!PERIODS.some(([p]) => p === period)) return jsonResponse({ error: "period must be hour, day or month" }, 400);
      if (deps.usage === undefined) return jsonResponse({ error: "Usage is not recorded on this server" }, 404);
      return jsonResponse(await deps.usage.series(target.id, period));
    }));
