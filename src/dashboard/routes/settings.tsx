/** @jsxImportSource ../jsx */
/**
 * Settings: name, cluster, every toggle of TOGGLES and every limit of LIMITS (src/engine/app.ts), saved through
 * AppService.update, which invalidates the cache and reloads live sockets, so changes apply without a
 * restart. Labels and hints come from the settings' title and description (STYLE.md principle 5).
 */
import type { Elysia } from "elysia";
import { LIMIT_NAMES, LIMITS, TOGGLE_NAMES, TOGGLES, type App, type LimitName, type ToggleName } from "../../engine/app";
import { checkTenantInput, limitRange, type AppSettingsInput } from "../../apps/service";
import type { DashboardDeps } from "../deps";
import { appFor, checkCsrf, checked, formOf, htmlResponse, redirect, requireViewer, route, text, userError, type Form, type Viewer } from "../http";
import { AppLayout } from "../views/layout";
import { ActionButton, Checkbox, Csrf, Field, Notice } from "../views/ui";

/** The setting's `title`, else the name in words: "maxChannelNameLength" → "Max channel name length". */
function labelOf(name: LimitName | ToggleName): string {
  const { title } = (name in TOGGLES ? TOGGLES[name as ToggleName] : LIMITS[name as LimitName]) as { title?: string };
  if (title !== undefined) return title;
  const words = name.replace(/([A-Z])/g, " $1").toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

function limitsFrom(form: Form): { limits: Partial<Record<LimitName, number>>; problem?: string } {
  const limits: Partial<Record<LimitName, number>> = {};
  for (const name of LIMIT_NAMES) {
    const raw = text(form, `limit_${name}`).trim();
    if (raw === "") continue;
    const value = Number(raw);
    if (!Number.isInteger(value)) return { limits, problem: `${labelOf(name)} must be a whole number` };
    limits[name] = value;
  }
  return { limits };
}

export function SettingsPage(props: { viewer: Viewer; app: App; ok?: string; error?: string }) {
  const { app, viewer } = props;
  const base = `/dashboard/apps/${encodeURIComponent(app.id)}`;
  return (
    <AppLayout title={`Settings · ${app.name}`} viewer={viewer} app={app} tab="settings">
      <Notice ok={props.ok} error={props.error} />
      <form method="post" action={`${base}/settings`} class="settings">
        <Csrf viewer={viewer} />
        <fieldset class="card">
          <legend>General</legend>
          <Field label="Name" name="name" value={app.name} required maxlength={200} />
          <Field label="Cluster" name="cluster" value={app.cluster} required maxlength={64} hint="Any label; pusher-js only needs the same value in its cluster option." />
        </fieldset>
        <fieldset class="card">
          <legend>Features</legend>
          {TOGGLE_NAMES.map((name) => (
            <Checkbox label={labelOf(name)} name={name} checked={app[name]} hint={TOGGLES[name].description} />
          ))}
        </fieldset>
        <fieldset class="card">
          <legend>Limits</legend>
          <div class="limit-grid">
            {LIMIT_NAMES.map((name) => {
              const { min, max } = limitRange(name);
              const about = (LIMITS[name] as { description?: string }).description;
              const range = `${min.toLocaleString("en")} to ${max.toLocaleString("en")}`;
              return <Field label={labelOf(name)} name={`limit_${name}`} type="number" min={min} max={max} value={app.limits[name]} required hint={about === undefined ? `From ${range}.` : `${about}. From ${range}.`} />;
            })}
          </div>
        </fieldset>
        <div class="form-actions">
          <button type="submit" class="primary">Save settings</button>
          <span class="hint">Applies to live connections at once.</span>
        </div>
      </form>
      <section class="card danger-zone" aria-labelledby="delete-h">
        <h2 id="delete-h">Delete this app</h2>
        <p>Deleting removes its keys and webhooks and closes every connection. This cannot be undone.</p>
        <ActionButton viewer={viewer} action={`${base}/delete`} label="Delete app" danger confirm={`Delete the app "${app.name}" and close all of its connections?`} />
      </section>
    </AppLayout>
  );
}

export const settingsRoutes = (deps: DashboardDeps) => (app: Elysia<any, any, any, any, any, any, any>) =>
  app
    .get("/apps/:id/settings", route(deps, ({ request, params, query }) => {
      const viewer = requireViewer(deps, request);
      return htmlResponse(SettingsPage({ viewer, app: appFor(deps, viewer, params.id!), ok: query.done === "saved" ? "Settings saved." : undefined }));
    }))
    .post("/apps/:id/settings", route(deps, async ({ request, params, body }) => {
      const viewer = requireViewer(deps, request);
      const target = appFor(deps, viewer, params.id!);
      const form = formOf(body);
      try {
        checkCsrf(deps, viewer, request, form);
        const { limits, problem } = limitsFrom(form);
        if (problem !== undefined) return htmlResponse(SettingsPage({ viewer, app: target, error: problem }), 400);
        const patch: AppSettingsInput = { name: text(form, "name").trim(), cluster: text(form, "cluster").trim(), limits };
        for (const name of TOGGLE_NAMES) patch[name] = checked(form, name);
        if (!viewer.caller.account.isAdmin) {
          // The form sends every limit; only the ones being changed are held to the tenant rules.
          const changed = Object.fromEntries(
            Object.entries(limits ?? {}).filter(([name, value]) => target.limits[name as keyof typeof target.limits] !== value),
          );
          checkTenantInput({ ...patch, limits: changed });
        }
        await deps.apps.update(target.id, patch);
      } catch (err) {
        const known = userError(err);
        if (known === undefined) throw err;
        return htmlResponse(SettingsPage({ viewer, app: target, error: known.message }), known.status);
      }
      return redirect(`/dashboard/apps/${encodeURIComponent(target.id)}/settings?done=saved`);
    }))
    .post("/apps/:id/delete", route(deps, async ({ request, params, body }) => {
      const viewer = requireViewer(deps, request);
      const target = appFor(deps, viewer, params.id!);
      checkCsrf(deps, viewer, request, formOf(body));
      await deps.apps.delete(target.id);
      return redirect("/dashboard/apps?done=deleted");
    }));
