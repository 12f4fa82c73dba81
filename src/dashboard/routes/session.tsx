/** @jsxImportSource ../jsx */
/**
 * Pages without a signed-in caller: sign-in, sign-up (when the operator opened it), the first admin's
 * setup (the one-time link the server prints), and sign-out. Sessions come from AuthService exactly
 * as for the management API; these forms use the double-submit token because no session exists yet.
 */
import type { Elysia } from "elysia";
import { SESSION_DAYS } from "../../accounts/auth";
import { clientIp } from "../../api/routes/session";
import type { DashboardDeps } from "../deps";
import {
  anonymousFormToken,
  checkAnonymousForm,
  checkCsrf,
  formOf,
  htmlResponse,
  redirect,
  route,
  safeNext,
  sessionCookie,
  text,
  userError,
  viewerOf,
  type Ctx,
} from "../http";
import { Layout } from "../views/layout";
import { Field, Notice } from "../views/ui";

type Kind = "login" | "signup" | "setup";

interface FormState {
  kind: Kind;
  token: string;
  error?: string;
  email?: string;
  name?: string;
  next?: string;
  setupToken?: string;
  signupOpen: boolean;
}

const TITLES: Record<Kind, string> = { login: "Sign in", signup: "Create an account", setup: "Create the admin account" };

function AccountForm(s: FormState) {
  const needsName = s.kind !== "login";
  return (
    <Layout title={TITLES[s.kind]} section="none">
      <div class="narrow card">
        <h1>{TITLES[s.kind]}</h1>
        {s.kind === "setup" && <p>This is the first account on this server. It becomes an administrator.</p>}
        <Notice error={s.error} />
        <form method="post" action={`/dashboard/${s.kind}`}>
          <input type="hidden" name="_csrf" value={s.token} />
          {s.next && <input type="hidden" name="next" value={s.next} />}
          {s.setupToken && <input type="hidden" name="token" value={s.setupToken} />}
          <Field label="Email" name="email" type="email" value={s.email} required autocomplete="email" />
          {needsName && <Field label="Name (optional)" name="name" value={s.name} autocomplete="name" maxlength={100} />}
          <Field
            label="Password"
            name="password"
            type="password"
            required
            autocomplete={needsName ? "new-password" : "current-password"}
            hint={needsName ? "At least 10 characters." : undefined}
          />
          <button type="submit" class="primary">{TITLES[s.kind]}</button>
        </form>
        {s.kind === "login" && s.signupOpen && <p>No account yet? <a href="/dashboard/signup">Create one</a>.</p>}
        {s.kind === "signup" && <p>Already have an account? <a href="/dashboard/login">Sign in</a>.</p>}
      </div>
    </Layout>
  );
}

async function showForm(deps: DashboardDeps, request: Request, state: Omit<FormState, "token" | "signupOpen">, status = 200): Promise<Response> {
  const { token, cookie } = anonymousFormToken(request);
  const page = AccountForm({ ...state, token, signupOpen: await deps.accounts.signupOpen() });
  return htmlResponse(page, status, cookie === undefined ? {} : { "set-cookie": cookie });
}

function signedInRedirect(request: Request, session: { token: string }, to: string): Response {
  return redirect(to, { "set-cookie": sessionCookie(request, session.token, SESSION_DAYS * 86400) });
}

function SetupDone() {
  return (
    <Layout title="Setup" section="none">
      <div class="narrow card">
        <h1>This setup link is not valid</h1>
        <p>It was already used, or the server was restarted and printed a new one. If an account exists, <a href="/dashboard/login">sign in</a>.</p>
      </div>
    </Layout>
  );
}

export const sessionRoutes = (deps: DashboardDeps) => (app: Elysia<any, any, any, any, any, any, any>) =>
  app
    .get("/", route(deps, ({ request }) => redirect(viewerOf(deps, request) ? "/dashboard/apps" : "/dashboard/login")))
    .get("/login", route(deps, ({ request, query }) => {
      if (viewerOf(deps, request)) return redirect(safeNext(query.next));
      return showForm(deps, request, { kind: "login", next: query.next && safeNext(query.next) });
    }))
    .post("/login", route(deps, async (ctx: Ctx) => {
      const form = formOf(ctx.body);
      const email = text(form, "email");
      try {
        checkAnonymousForm(ctx.request, form);
        const session = await deps.auth.login(email, text(form, "password"), clientIp(ctx.request, ctx.server, deps.trustProxy));
        return signedInRedirect(ctx.request, session, safeNext(text(form, "next") || undefined));
      } catch (err) {
        const known = userError(err);
        if (known === undefined) throw err;
        return showForm(deps, ctx.request, { kind: "login", email, error: known.message, next: text(form, "next") || undefined }, known.status === 400 ? 401 : known.status);
      }
    }))
    .post("/logout", route(deps, async ({ request, body }) => {
      const viewer = viewerOf(deps, request);
      if (viewer !== undefined) {
        checkCsrf(deps, viewer, request, formOf(body));
        await deps.auth.logout(viewer.caller);
      }
      return redirect("/dashboard/login", { "set-cookie": sessionCookie(request, "", 0) });
    }))
    .get("/signup", route(deps, async ({ request }) => {
      if (!(await deps.accounts.signupOpen())) return htmlResponse(SignupClosed(), 404);
      return showForm(deps, request, { kind: "signup" });
    }))
    .post("/signup", route(deps, async ({ request, body }) => {
      if (!(await deps.accounts.signupOpen())) return htmlResponse(SignupClosed(), 404);
      const form = formOf(body);
      const input = { email: text(form, "email"), name: text(form, "name").trim() || undefined, password: text(form, "password") };
      try {
        checkAnonymousForm(request, form);
        const account = await deps.accounts.create(input);
        return signedInRedirect(request, await deps.auth.openSession((await deps.accounts.store.account(account.id))!), "/dashboard/apps");
      } catch (err) {
        const known = userError(err);
        if (known === undefined) throw err;
        return showForm(deps, request, { kind: "signup", email: input.email, name: input.name, error: known.message }, known.status);
      }
    }))
    .get("/setup", route(deps, async ({ request, query }) => {
      const token = query.token ?? "";
      if (!(await deps.accounts.setupTokenValid(token))) return htmlResponse(SetupDone(), 404);
      return showForm(deps, request, { kind: "setup", setupToken: token });
    }))
    .post("/setup", route(deps, async ({ request, body }) => {
      const form = formOf(body);
      const token = text(form, "token");
      const input = { email: text(form, "email"), name: text(form, "name").trim() || undefined, password: text(form, "password") };
      if (!(await deps.accounts.setupTokenValid(token))) return htmlResponse(SetupDone(), 404);
      try {
        checkAnonymousForm(request, form);
        const account = await deps.accounts.completeSetup(token, input);
        return signedInRedirect(request, await deps.auth.openSession((await deps.accounts.store.account(account.id))!), "/dashboard/apps?done=welcome");
      } catch (err) {
        const known = userError(err);
        if (known === undefined) throw err;
        return showForm(deps, request, { kind: "setup", setupToken: token, email: input.email, name: input.name, error: known.message }, known.status);
      }
    }));

function SignupClosed() {
  return (
    <Layout title="Sign-up closed" section="none">
      <div class="narrow card">
        <h1>Sign-up is closed</h1>
        <p>Ask the operator of this server for an account, or <a href="/dashboard/login">sign in</a>.</p>
      </div>
    </Layout>
  );
}
