/**
 * /swagger: the OpenAPI document of the management API and the Pusher HTTP API, with the Swagger UI
 * served from files embedded in the binary, so the docs render with no internet (the plugin's
 * default loads them from a CDN).
 */
import { openapi } from "@elysiajs/openapi";
import { Type, type TProperties } from "@sinclair/typebox";
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

**Management API** (\`/api/v1/…\`): to try it here, create a personal API token (on the dashboard's account page,
/dashboard/account, or with \`POST /api/v1/tokens\`), press **Authorize** and paste it under *bearer*: it is sent as
\`Authorization: Bearer mwj_…\`. A signed-in dashboard session also works (its cookie is sent by the browser);
changes made with a session need its \`csrfToken\` (from \`GET /api/v1/me\`) under *csrf*.
Errors use one envelope, the *Error* schema: \`{"error": {"code": "…", "message": "…"}}\`.
Lists are paginated with \`limit\` (1–500, default 50) and \`offset\`.`;

/**
 * The signing parameters of the Pusher HTTP API routes, for the document only. The plugin replaces
 * an operation's `parameters` with the path parameters it finds, so query parameters must come as a
 * query schema; given through `references`, the schema documents without validating (those routes
 * check their own signature and answer the Pusher error bodies).
 */
const signed = (extra: TProperties = {}) => ({
  query: Type.Object({
    ...extra,
    auth_key: Type.String({ description: "An active key of the app" }),
    auth_timestamp: Type.String({ description: "Unix seconds, within 600 s of the server's clock", examples: ["1700000000"] }),
    auth_version: Type.Literal("1.0", { description: "Always 1.0" }),
    body_md5: Type.Optional(Type.String({ description: "Hex MD5 of the exact body (requests with a body)" })),
    auth_signature: Type.String({ description: "HMAC-SHA256 hex, see the description at the top" }),
  }),
});
const INFO = { info: Type.Optional(Type.String({ description: "Comma list of attributes: user_count, subscription_count, cache" })) };
const PUSHER_API_QUERY = {
  "/apps/:appId/events": { post: signed() },
  "/apps/:appId/batch_events": { post: signed() },
  "/apps/:appId/channels": { get: signed({ filter_by_prefix: Type.Optional(Type.String({ description: "Only channels starting with this" })), ...INFO }) },
  "/apps/:appId/channels/:channel": { get: signed(INFO) },
  "/apps/:appId/channels/:channel/users": { get: signed() },
  "/apps/:appId/users/:userId/terminate_connections": { post: signed() },
};

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
        references: PUSHER_API_QUERY as any,
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
              bearer: { type: "http", scheme: "bearer", description: "A personal API token (mwj_…), sent as Authorization: Bearer" },
              session: { type: "apiKey", in: "cookie", name: "mawjly_session", description: "The dashboard's session cookie (set by POST /api/v1/session)" },
              csrf: { type: "apiKey", in: "header", name: "X-CSRF-Token", description: "The session's csrfToken; needed with the session cookie on changes" },
            },
          },
        },
      }),
    );
}
