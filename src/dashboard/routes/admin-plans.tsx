/** @jsxImportSource ../jsx */
/**
 * Admin only: plans and their limits (0 = unlimited), create and edit through AccountService. Quotas
 * on this node pick up a change at once, on other nodes within a second (PlanQuotas reloads plans).
 */
import type { Elysia } from "elysia";
import type { Plan } from "../../accounts/schemas";
import type { DashboardDeps } from "../deps";
import { checkCsrf, formOf, htmlResponse, redirect, requireAdmin, requireViewer, route, text, userError, type Form, type Viewer } from "../http";
import { Layout } from "../views/layout";
import { Csrf, Field, Notice } from "../views/ui";

const LIMITS = [
  ["maxApps", "Apps"],
  ["maxConnections", "Connections (account)"],
  ["maxAppConnections", "Connections per app"],
  ["maxMessagesPerDay", "Messages per day"],
] as const;

type LimitName = (typeof LIMITS)[number][0];

const DONE: Record<string, string> = { created: "Plan created.", saved: "Plan saved.", deleted: "Plan deleted." };

/** Whole numbers from the form; the service's schema check reports anything else. */
function limitsFrom(form: Form): Record<LimitName, number> {
  const out = {} as Record<LimitName, number>;
  for (const [name] of LIMITS) out[name] = Number(text(form, name).trim() || "0");
  return out;
}

/** A plan's fields; an existing plan's Delete button submits a separate form (`deleteForm`) beside Save. */
function PlanForm(props: { viewer: Viewer; plan?: Plan; deleteForm?: string }) {
  const p = props.plan;
  const key = p?.id ?? "new";
  return (
    <form method="post" action={p ? `/dashboard/admin/plans/${encodeURIComponent(p.id)}` : "/dashboard/admin/plans"} class="grid-form">
      <Csrf viewer={props.viewer} />
      {!p && <Field label="Plan id" name="id" required hint="Lower-case letters, digits and dashes, e.g. team" id="new-id" />}
      <Field label="Name" name="name" value={p?.name} required maxlength={100} id={`${key}-name`} />
      {LIMITS.map(([name, label]) => (
        <Field label={label} name={name} type="number" min={0} value={p?.[name] ?? 0} required id={`${key}-${name}`} />
      ))}
      <div class="form-actions">
        <button type="submit" class="primary">{p ? "Save plan" : "Create plan"}</button>
        {props.deleteForm && <button type="submit" form={props.deleteForm} class="danger">Delete plan</button>}
      </div>
    </form>
  );
}

type PageProps = { deps: DashboardDeps; viewer: Viewer; ok?: string; error?: string };

/** The page with the plans read from the store first (components render synchronously). */
async function plansPage(props: PageProps) {
  return PlansPage({ ...props, plans: await props.deps.accounts.plans() });
}

function PlansPage(props: PageProps & { plans: Plan[] }) {
  const { viewer } = props;
  return (
    <Layout title="Plans" viewer={viewer} section="plans">
      <h1>Plans</h1>
      <Notice ok={props.ok} error={props.error} />
      <p class="hint">0 means unlimited. Changes apply to every account on the plan within a second.</p>
      {props.plans.map((p) => (
        <section class="card" aria-labelledby={`plan-${p.id}`}>
          <h2 id={`plan-${p.id}`}>{p.name} <code class="muted">{p.id}</code></h2>
          <form method="post" action={`/dashboard/admin/plans/${encodeURIComponent(p.id)}/delete`} id={`delete-${p.id}`} data-confirm={`Delete the plan ${p.name}?`}>
            <Csrf viewer={viewer} />
          </form>
          <PlanForm viewer={viewer} plan={p} deleteForm={`delete-${p.id}`} />
        </section>
      ))}
      <section class="card" aria-labelledby="new-plan-h">
        <h2 id="new-plan-h">Create a plan</h2>
        <PlanForm viewer={viewer} />
      </section>
    </Layout>
  );
}

function planAction(deps: DashboardDeps, run: (params: Record<string, string>, form: Form) => Promise<string>) {
  return route(deps, async ({ request, params, body }) => {
    const viewer = requireViewer(deps, request);
    requireAdmin(viewer);
    const form = formOf(body);
    try {
      checkCsrf(deps, viewer, request, form);
      return redirect(`/dashboard/admin/plans?done=${await run(params, form)}`);
    } catch (err) {
      const known = userError(err);
      if (known === undefined) throw err;
      return htmlResponse(await plansPage({ deps, viewer, error: known.message }), known.status);
    }
  });
}

export const adminPlanRoutes = (deps: DashboardDeps) => (app: Elysia<any, any, any, any, any, any, any>) =>
  app
    .get("/admin/plans", route(deps, async ({ request, query }) => {
      const viewer = requireViewer(deps, request);
      requireAdmin(viewer);
      return htmlResponse(await plansPage({ deps, viewer, ok: DONE[query.done ?? ""] }));
    }))
    .post("/admin/plans", planAction(deps, async (_params, form) => {
      await deps.accounts.createPlan({ id: text(form, "id").trim(), name: text(form, "name").trim(), ...limitsFrom(form) });
      return "created";
    }))
    .post("/admin/plans/:plan", planAction(deps, async (params, form) => {
      await deps.accounts.updatePlan(params.plan!, { name: text(form, "name").trim(), ...limitsFrom(form) });
      return "saved";
    }))
    .post("/admin/plans/:plan/delete", planAction(deps, async (params) => {
      await deps.accounts.deletePlan(params.plan!);
      return "deleted";
    }));
