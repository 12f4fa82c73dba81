/** @jsxImportSource ../jsx */
/**
 * The page shell: document head with the embedded stylesheet, the top bar (sections, account, sign
 * out), a skip link, and the main landmark. Every page is a full document; scripts are external files
 * (the CSP forbids inline ones) and load deferred, so pages work before and without them.
 */
import { assetUrl } from "../assets";
import type { Viewer } from "../http";
import type { Child } from "../jsx/jsx-runtime";
import type { App } from "../../engine/app";
import { Csrf } from "./ui";

export type Section = "apps" | "accounts" | "plans" | "none";

export interface LayoutProps {
  title: string;
  viewer?: Viewer;
  section?: Section;
  scripts?: string[];
  styles?: string[];
  children?: Child;
}

export function Layout(props: LayoutProps) {
  const { viewer } = props;
  const isAdmin = viewer?.caller.account.isAdmin === true;
  const current = (s: Section) => (props.section === s ? "page" : undefined);
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="color-scheme" content="light dark" />
        <title>{`${props.title} · Mawjly`}</title>
        <link rel="icon" href={assetUrl("favicon.svg")} type="image/svg+xml" />
        {(props.styles ?? []).map((s) => <link rel="stylesheet" href={assetUrl(s)} />)}
        <link rel="stylesheet" href={assetUrl("site.css")} />
        {["app.js", ...(props.scripts ?? [])].map((s) => <script src={assetUrl(s)} defer></script>)}
      </head>
      <body>
        <a class="skip" href="#main">Skip to content</a>
        <header class="topbar">
          <a class="brand" href="/dashboard/apps">Mawjly</a>
          {viewer && (
            <nav aria-label="Sections" class="sections">
              <a href="/dashboard/apps" aria-current={current("apps")}>Apps</a>
              {isAdmin && <a href="/dashboard/admin/accounts" aria-current={current("accounts")}>Accounts</a>}
              {isAdmin && <a href="/dashboard/admin/plans" aria-current={current("plans")}>Plans</a>}
            </nav>
          )}
          {viewer && (
            <form method="post" action="/dashboard/logout" class="signout">
              <Csrf viewer={viewer} />
              <a class="who" href="/dashboard/account" title={`${viewer.caller.account.email}: account and API tokens`}>{viewer.caller.account.name}</a>
              <button type="submit" class="link">Sign out</button>
            </form>
          )}
        </header>
        <main id="main" tabindex="-1">{props.children}</main>
      </body>
    </html>
  );
}

export type AppTab = "overview" | "start" | "keys" | "settings" | "webhooks" | "debug" | "channels";

const TABS: Array<[AppTab, string, string]> = [
  ["overview", "Overview", ""],
  ["start", "Getting started", "/getting-started"],
  ["keys", "Keys", "/keys"],
  ["settings", "Settings", "/settings"],
  ["webhooks", "Webhooks", "/webhooks"],
  ["debug", "Debug console", "/debug"],
  ["channels", "Channels", "/channels"],
];

export interface AppLayoutProps extends LayoutProps {
  app: App;
  tab: AppTab;
}

/** An app's pages: its name, id and state above a tab bar of its sections. */
export function AppLayout(props: AppLayoutProps) {
  const { app } = props;
  const base = `/dashboard/apps/${encodeURIComponent(app.id)}`;
  return (
    <Layout {...props} section="apps">
      <div class="app-head">
        <p class="crumbs">
          <a href="/dashboard/apps">Apps</a> <span aria-hidden="true">/</span>
        </p>
        <h1>{app.name}</h1>
        <p class="meta">
          App id <code>{app.id}</code> · cluster <code>{app.cluster}</code>{" "}
          {app.enabled ? <span class="badge ok">enabled</span> : <span class="badge danger">disabled</span>}
        </p>
      </div>
      <nav aria-label="App sections" class="tabs">
        {TABS.map(([tab, label, path]) => (
          <a href={base + path} aria-current={props.tab === tab ? "page" : undefined}>{label}</a>
        ))}
      </nav>
      <div class="tab-body">{props.children}</div>
    </Layout>
  );
}
