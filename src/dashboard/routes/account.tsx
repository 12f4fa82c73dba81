/** @jsxImportSource ../jsx */
/**
 * The signed-in account: its plan, and its personal API tokens for scripts, curl and the Swagger UI.
 * A new token's value is shown once, in the answer to the CSRF-checked create form (never in a URL
 * or a redirect, so it lands in no history or log); only its hash is stored (AuthService).
 */
import type { Elysia } from "elysia";
import type { ApiToken, Plan } from "../../accounts/schemas";
import type { DashboardDeps } from "../deps";
import { checkCsrf, formOf, htmlResponse, redirect, requireViewer, route, text, userError } from "../http";
import type { Viewer } from "../viewer";
import { Layout } from "../views/layout";
import { ActionButton, Csrf, Field, Notice, formatTime } from "../views/ui";

const DONE: Record<string, string> = { revoked: "Token revoked. Requests that send it are refused from now on." };

interface PageProps {
  deps: DashboardDeps;
  viewer: Viewer;
  created?: { name: string; token: string };
  ok?: string;
  error?: string;
  name?: string;
}

function TokenRow(props: { viewer: Viewer; token: ApiToken }) {
  const { token } = props;
  return (
    <tr data-token={token.id}>
      <th scope="row">{token.name}</th>
      <td data-label="Created">{formatTime(token.createdAt)}</td>
      <td data-label="Last used">{token.lastUsedAt === null ? "never" : formatTime(token.lastUsedAt)}</td>
      <td data-label="Actions">
        <ActionButton
          viewer={props.viewer}
          action="/dashboard/account/tokens/revoke"
          label="Revoke"
          danger
          fields={{ id: token.id }}
          confirm={`Revoke the token "${token.name}"? Scripts that use it stop working at once.`}
        />
      </td>
    </tr>
  );
}

/** The page with what it shows read from the store first (components render synchronously). */
async function accountPage(props: PageProps) {
  const account = props.viewer.caller.account;
  const [plan, tokens] = await Promise.all([props.deps.accounts.planOf(account.id), props.deps.auth.tokens(account.id)]);
  return AccountPage({ ...props, plan, tokens: tokens.filter((t) => t.revokedAt === null) });
}

function AccountPage(props: PageProps & { plan: Plan | undefined; tokens: ApiToken[] }) {
  const { viewer, plan, tokens } = props;
  const account = viewer.caller.account;
  return (
    <Layout title="Account" viewer={viewer} section="none">
      <h1>Account</h1>
      <Notice ok={props.ok} error={props.error} />
      <section class="card" aria-labelledby="who-h">
        <h2 id="who-h">You</h2>
        <dl class="pairs">
          <dt>Name</dt>
          <dd>{account.name}</dd>
          <dt>Email</dt>
          <dd>{account.email}</dd>
          <dt>Plan</dt>
          <dd>{plan?.name ?? account.planId}</dd>
        </dl>
      </section>
      <section aria-labelledby="tokens-h">
        <h2 id="tokens-h">API tokens</h2>
        <p class="hint">
          A token lets a script call the management API as you: send it as <code>Authorization: Bearer …</code>, or paste it into
          Authorize on the <a href="/swagger">API docs</a>. Revoke a token you no longer use.
        </p>
        {props.created && (
          <div class="notice ok" role="status" id="new-token">
            <p>Token “{props.created.name}” created. Copy it now: it is shown only this once.</p>
            <pre tabindex="0"><code id="new-token-value">{props.created.token}</code></pre>
          </div>
        )}
        {tokens.length === 0 ? (
          <p id="no-tokens">No API tokens yet.</p>
        ) : (
          <div class="table-wrap">
            <table class="tokens stack">
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Created</th>
                  <th scope="col">Last used</th>
                  <th scope="col">Actions</th>
                </tr>
              </thead>
              <tbody>{tokens.map((token) => <TokenRow viewer={viewer} token={token} />)}</tbody>
            </table>
          </div>
        )}
        <form method="post" action="/dashboard/account/tokens" class="card">
          <Csrf viewer={viewer} />
          <Field label="Token name" name="name" value={props.name} required maxlength={100} hint="What the token is for, e.g. deploy script." />
          <button type="submit" class="primary">Create token</button>
        </form>
      </section>
    </Layout>
  );
}

export const accountRoutes = (deps: DashboardDeps) => (app: Elysia<any, any, any, any, any, any, any>) =>
  app
    .get("/account", route(deps, async ({ request, query }) => {
      const viewer = requireViewer(deps, request);
      return htmlResponse(await accountPage({ deps, viewer, ok: DONE[query.done ?? ""] }));
    }))
    .post("/account/tokens", route(deps, async ({ request, body }) => {
      const viewer = requireViewer(deps, request);
      const form = formOf(body);
      checkCsrf(deps, viewer, request, form);
      try {
        const created = await deps.auth.createToken(viewer.caller.account.id, text(form, "name"));
        return htmlResponse(await accountPage({ deps, viewer, created: { name: created.info.name, token: created.token } }));
      } catch (err) {
        const known = userError(err);
        if (known === undefined) throw err;
        return htmlResponse(await accountPage({ deps, viewer, error: known.message, name: text(form, "name") }), known.status);
      }
    }))
    .post("/account/tokens/revoke", route(deps, async ({ request, body }) => {
      const viewer = requireViewer(deps, request);
      const form = formOf(body);
      checkCsrf(deps, viewer, request, form);
      await deps.auth.revokeToken(viewer.caller.account.id, text(form, "id"));
      return redirect("/dashboard/account?done=revoked");
    }));
