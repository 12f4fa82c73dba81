/**
 * /swagger: the OpenAPI document of the management API and the Pusher HTTP API, with the Swagger UI
 * served from files embedded in the binary, so the docs render with no internet (the plugin's
 * default loads them from a CDN).
 */
import { openapi } from "@elysiajs/openapi";
import { Elysia } from "elysia";
import bundle from "swagger-ui-dist/swagger-ui-bundle.js" with { type: "file" };
import css from "swagger-ui-dist/swagger-ui.css" with { type: "file" };
import { version } from "../version";

const SIGNING = `
**Pusher HTTP API** (\`/apps/{app_id}/…\`): every request is signed as the official server SDKs do.
Add the query parameters \`auth_key\` (an active key of the app),
\`auth_timestamp\` (Unix seconds, within ±600 s of the server's clock), \`auth_version=1.0\` and, when there
is a body, \`body_md5\` (hex MD5 of the exact body bytes). Sort all query parameters except
\`auth_signature\` by lower-cased name, join them as \`name=value\` with \`&\` (values not URL-encoded), and
sign \`METHOD\\nPATH\\nQUERY\` with HMAC-SHA256 using the key's secret; send the hex digest as
\`auth_signature\`. Errors: 400 bad request, 401 signature/timestamp/body_md5, 403 app disabled or over
the message quota, 404 unknown app, 413 data too large, 429 over the app's request rate; the body is
\`{"error": "…"}\`. Successful calls answer 200 with a JSON object.

**Management API** (\`/api/v1/…\`): sign in with \`POST /api/v1/session\` (session cookie; send the returned
\`csrfToken\` as \`X-CSRF-Token\` on changes) or use a personal API token as \`Authorization: Bearer mwj_…\`.
Errors use one envelope: \`{"error": {"code": "invalid|unauthorized|forbidden|not_found|conflict", "message": "…"}}\`.
Lists are paginated with \`limit\` (1–500, default 50) and \`offset\`.`;

export function docs() {
  return new Elysia({ name: "docs" })
    .get("/swagger/assets/swagger-ui-bundle.js", () => new Response(Bun.file(bundle), { headers: { "content-type": "text/javascript; charset=utf-8", "cache-control": "public, max-age=86400" } }), { detail: { hide: true } })
    .get("/swagger/assets/swagger-ui.css", () => new Response(Bun.file(css), { headers: { "content-type": "text/css; charset=utf-8", "cache-control": "public, max-age=86400" } }), { detail: { hide: true } })
    .use(
      openapi({
        path: "/swagger",
        specPath: "/swagger/json",
        provider: "swagger-ui",
        swagger: { cdn: "/swagger/assets/swagger-ui-bundle.js", theme: "/swagger/assets/swagger-ui.css", autoDarkMode: true } as any,
        exclude: { paths: ["/swagger", "/swagger/json"] },
        documentation: {
          info: { title: "Mawjly API", version, description: `Realtime server speaking the Pusher Channels protocol.\n${SIGNING}` },
          tags: [
            { name: "Pusher HTTP API", description: "What the official server SDKs call (signed requests)" },
            { name: "Session", description: "Sign-in, sign-up and first setup" },
            { name: "Account", description: "The signed-in account and its API tokens" },
            { name: "Apps", description: "Apps and key pairs" },
            { name: "Live", description: "Live state, usage and test events" },
            { name: "Webhooks", description: "Webhook endpoints, delivery log, test and redeliver" },
            { name: "Plans", description: "Plans and quotas" },
            { name: "Admin", description: "Accounts and operator settings (admins only)" },
            { name: "Operations", description: "Health and metrics" },
          ],
          components: {
            securitySchemes: {
              bearer: { type: "http", scheme: "bearer", description: "Personal API token (mwj_…)" },
              session: { type: "apiKey", in: "cookie", name: "mawjly_session" },
            },
          },
        },
      }),
    );
}
