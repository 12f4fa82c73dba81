/** @jsxImportSource ../jsx */
/**
 * The channel explorer: the occupied channels with their subscription counts and, for presence
 * channels, their members, paginated and filterable by prefix. A snapshot of engine state at request
 * time (the same data as GET /api/v1/apps/{id}/live).
 */
import type { Elysia } from "elysia";
import type { App } from "../../engine/app";
import type { LiveSnapshot } from "../../engine/queries";
import { channelType } from "../../protocol/channels";
import type { DashboardDeps } from "../deps";
import { appFor, htmlResponse, requireViewer, route, type Viewer } from "../http";
import { AppLayout } from "../views/layout";

const PER_PAGE = 25;
const MEMBERS_SHOWN = 50;

function plural(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? "" : "s"}`;
}

function infoText(info: unknown): string {
  if (info === undefined || info === null) return "";
  const json = JSON.stringify(info);
  return json.length > 200 ? `${json.slice(0, 200)}…` : json;
}

/** One page of the snapshot; a page past the end shows the last one. */
async function snapshotPage(deps: DashboardDeps, appId: string, prefix: string, wanted: number) {
  const at = (page: number) => deps.engine.live.snapshot(appId, prefix, { offset: (page - 1) * PER_PAGE, limit: PER_PAGE });
  let snapshot = await at(wanted);
  const pages = Math.max(1, Math.ceil(snapshot.total / PER_PAGE));
  if (wanted > pages) snapshot = await at(pages);
  return { snapshot, page: Math.min(wanted, pages), pages };
}

function ChannelsPage(props: { viewer: Viewer; app: App; page: number; pages: number; prefix: string; snapshot: LiveSnapshot }) {
  const { app, prefix, page, pages, snapshot } = props;
  const shown = snapshot.channels;
  const base = `/dashboard/apps/${encodeURIComponent(app.id)}/channels`;
  const link = (p: number) => `${base}?page=${p}${prefix ? `&prefix=${encodeURIComponent(prefix)}` : ""}`;
  return (
    <AppLayout title={`Channels · ${app.name}`} viewer={props.viewer} app={app} tab="channels">
      <form method="get" action={base} class="row-form" role="search">
        <div class="field">
          <label for="prefix">Channel name starts with</label>
          <input id="prefix" name="prefix" value={prefix} placeholder="presence-" />
        </div>
        <button type="submit">Filter</button>
      </form>
      <p>
        {snapshot.total} occupied channel{snapshot.total === 1 ? "" : "s"}
        {prefix ? ` matching “${prefix}”` : ""} · {plural(snapshot.connections, "connection")} · {plural(snapshot.users, "signed-in user")}
      </p>
      {shown.length === 0 ? (
        <p class="empty">No occupied channels{prefix ? " with this prefix" : ""}. Channels appear here while at least one client is subscribed.</p>
      ) : (
        <div class="table-wrap">
          <table class="stack">
            <thead>
              <tr>
                <th scope="col">Channel</th>
                <th scope="col">Type</th>
                <th scope="col" class="num">Subscriptions</th>
                <th scope="col">Presence members</th>
              </tr>
            </thead>
            <tbody>
              {shown.map((c) => (
                <tr>
                  <th scope="row"><code>{c.name}</code></th>
                  <td data-label="Type">{channelType(c.name).kind}{channelType(c.name).cache ? " (cache)" : ""}</td>
                  <td class="num" data-label="Subscriptions">{c.subscriptionCount}</td>
                  <td data-label="Presence members">
                    {c.members === undefined ? (
                      <span class="muted">—</span>
                    ) : (
                      <details>
                        <summary>{c.members.length} member{c.members.length === 1 ? "" : "s"}</summary>
                        <ul class="members">
                          {c.members.slice(0, MEMBERS_SHOWN).map((m) => (
                            <li><code>{m.id}</code> <span class="muted">{infoText(m.info)}</span></li>
                          ))}
                        </ul>
                        {c.members.length > MEMBERS_SHOWN && <p class="hint">First {MEMBERS_SHOWN} of {c.members.length} shown.</p>}
                      </details>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {pages > 1 && (
        <nav aria-label="Pages" class="pager">
          {page > 1 ? <a href={link(page - 1)} rel="prev">Previous</a> : <span />}
          <span>Page {page} of {pages}</span>
          {page < pages ? <a href={link(page + 1)} rel="next">Next</a> : <span />}
        </nav>
      )}
    </AppLayout>
  );
}

export const channelRoutes = (deps: DashboardDeps) => (app: Elysia<any, any, any, any, any, any, any>) =>
  app.get("/apps/:id/channels", route(deps, async ({ request, params, query }) => {
    const viewer = requireViewer(deps, request);
    const target = appFor(deps, viewer, params.id!);
    const wanted = Math.max(1, Math.floor(Number(query.page ?? 1)) || 1);
    const prefix = (query.prefix ?? "").slice(0, 200);
    const { snapshot, page, pages } = await snapshotPage(deps, target.id, prefix, wanted);
    return htmlResponse(ChannelsPage({ viewer, app: target, page, pages, prefix, snapshot }));
  }));
