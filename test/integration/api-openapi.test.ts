/**
 * The OpenAPI document at /swagger/json lists exactly the routes the server answers, and the Swagger
 * UI at /swagger loads only local assets (it must render with no internet).
 *
 * ROUTES is written by hand from the sources, on purpose, so that a route added without docs (or
 * docs for a route that is gone) fails here: src/server.ts (/health, /metrics), src/http-api/index.ts (the
 * Pusher HTTP API), src/api/routes/*.ts (the management API under /api/v1). Not documented on
 * purpose: the docs themselves (/swagger, /swagger/json, /swagger/assets/*), the WebSocket endpoint
 * /app/{key} (an upgrade, not an HTTP API) and the dashboard (src/dashboard: HTML pages and form
 * posts under /dashboard, hidden from the docs). src/webhooks has no HTTP routes of its own; its
 * endpoints are managed through the dashboard and the CLI.
 */
import { beforeAll, expect, test } from "bun:test";
import { useServer } from "../support/server";

const ROUTES = [
  // src/server.ts
  "GET /health",
  "GET /metrics",
  // src/http-api/index.ts
  "POST /apps/{appId}/events",
  "POST /apps/{appId}/batch_events",
  "GET /apps/{appId}/channels",
  "GET /apps/{appId}/channels/{channel}",
  "GET /apps/{appId}/channels/{channel}/users",
  "POST /apps/{appId}/users/{userId}/terminate_connections",
  "POST /users/{userId}/terminate_connections",
  // src/api/routes/session.ts
  "POST /api/v1/session",
  "DELETE /api/v1/session",
  "POST /api/v1/signup",
  "POST /api/v1/setup",
  // src/api/routes/me.ts
  "GET /api/v1/me",
  "GET /api/v1/tokens",
  "POST /api/v1/tokens",
  "DELETE /api/v1/tokens/{id}",
  // src/api/routes/admin.ts
  "GET /api/v1/accounts",
  "POST /api/v1/accounts",
  "GET /api/v1/accounts/{id}",
  "PATCH /api/v1/accounts/{id}",
  "DELETE /api/v1/accounts/{id}",
  "GET /api/v1/plans",
  "POST /api/v1/plans",
  "PATCH /api/v1/plans/{id}",
  "DELETE /api/v1/plans/{id}",
  "GET /api/v1/settings",
  "PATCH /api/v1/settings",
  // src/api/routes/apps.ts
  "GET /api/v1/apps",
  "POST /api/v1/apps",
  "GET /api/v1/apps/{id}",
  "PATCH /api/v1/apps/{id}",
  "DELETE /api/v1/apps/{id}",
  "GET /api/v1/apps/{id}/keys",
  "POST /api/v1/apps/{id}/keys",
  "DELETE /api/v1/apps/{id}/keys/{key}",
  // src/api/routes/app-live.ts
  "GET /api/v1/apps/{id}/live",
  "GET /api/v1/apps/{id}/usage",
  "POST /api/v1/apps/{id}/events",
  // src/api/routes/webhooks.ts
  "GET /api/v1/apps/{id}/webhooks",
  "POST /api/v1/apps/{id}/webhooks",
  "PATCH /api/v1/apps/{id}/webhooks/{endpoint}",
  "DELETE /api/v1/apps/{id}/webhooks/{endpoint}",
  "POST /api/v1/apps/{id}/webhooks/{endpoint}/test",
  "GET /api/v1/apps/{id}/webhooks-log",
  "POST /api/v1/apps/{id}/webhooks-log/{log}/redeliver",
];

const METHODS = ["get", "post", "put", "patch", "delete", "head", "options"];

const server = useServer();
let doc: any;

beforeAll(async () => {
  const res = await fetch(`${server().url}/swagger/json`);
  expect(res.status).toBe(200);
  doc = await res.json();
});

function documented(): string[] {
  const routes: string[] = [];
  for (const [path, item] of Object.entries<Record<string, unknown>>(doc.paths)) {
    for (const method of Object.keys(item)) if (METHODS.includes(method)) routes.push(`${method.toUpperCase()} ${path}`);
  }
  return routes.sort();
}

test("/swagger/json documents exactly the routes the sources define", () => {
  expect(doc.openapi).toMatch(/^3\./);
  expect(doc.info.title).toBe("Mawjly API");
  expect(documented()).toEqual([...ROUTES].sort());
});

test("every documented operation has a tag and a summary", () => {
  const missing: string[] = [];
  for (const [path, item] of Object.entries<Record<string, any>>(doc.paths)) {
    for (const [method, op] of Object.entries<any>(item)) {
      if (METHODS.includes(method) && (!op.summary || !(op.tags?.length > 0))) missing.push(`${method.toUpperCase()} ${path}`);
    }
  }
  expect(missing).toEqual([]);
});

/** Every operation of the document as [route, operation object]. */
function operations(): Array<[string, any]> {
  const ops: Array<[string, any]> = [];
  for (const [path, item] of Object.entries<Record<string, any>>(doc.paths)) {
    for (const [method, op] of Object.entries<any>(item)) if (METHODS.includes(method)) ops.push([`${method.toUpperCase()} ${path}`, op]);
  }
  return ops;
}

/** A schema with its $ref followed into components.schemas. */
function resolve(schema: any): any {
  if (schema?.$ref === undefined) return schema;
  const name = String(schema.$ref).replace("#/components/schemas/", "");
  return doc.components.schemas[name];
}

// Callers sign in or create an account through these; everything else under /api/v1 needs a caller.
const PUBLIC = ["POST /api/v1/session", "POST /api/v1/signup", "POST /api/v1/setup"];

test("no internal spec references ('§') anywhere in the document", () => {
  const text = JSON.stringify(doc);
  expect(text.match(/.{0,60}§.{0,20}/g) ?? []).toEqual([]);
});

test("security schemes: a Bearer token, the session cookie and its CSRF header", () => {
  expect(doc.components.securitySchemes).toEqual({
    bearer: { type: "http", scheme: "bearer", description: expect.any(String) },
    session: { type: "apiKey", in: "cookie", name: "mawjly_session", description: expect.any(String) },
    csrf: { type: "apiKey", in: "header", name: "X-CSRF-Token", description: expect.any(String) },
  });
});

test("every /api/v1 operation declares who may call it: Bearer or session (with CSRF on changes); sign-in routes are public", () => {
  const wrong: string[] = [];
  for (const [route, op] of operations()) {
    if (!route.includes(" /api/v1/")) continue;
    const expected = PUBLIC.includes(route)
      ? []
      : route.startsWith("GET ")
        ? [{ bearer: [] }, { session: [] }]
        : [{ bearer: [] }, { session: [], csrf: [] }];
    if (!Bun.deepEquals(op.security, expected)) wrong.push(`${route}: ${JSON.stringify(op.security)}`);
  }
  expect(wrong).toEqual([]);
});

test("every /api/v1 operation documents its success reply and its errors with a schema from components", () => {
  const schemas = doc.components.schemas;
  expect(Object.keys(schemas).length).toBeGreaterThan(20);
  const envelope = resolve({ $ref: "#/components/schemas/Error" });
  expect(envelope.required).toEqual(["error"]);
  expect(envelope.properties.error.required).toEqual(["code", "message"]);
  expect(envelope.examples).toEqual([{ error: { code: "not_found", message: "No app '1234567'" } }]);
  const problems: string[] = [];
  for (const [route, op] of operations()) {
    if (!route.includes(" /api/v1/")) continue;
    const statuses = Object.keys(op.responses ?? {});
    const success = statuses.filter((s) => s.startsWith("2"));
    if (success.length !== 1) problems.push(`${route}: success statuses ${JSON.stringify(success)}`);
    if (!PUBLIC.includes(route) && !statuses.includes("401")) problems.push(`${route}: no 401`);
    for (const status of statuses) {
      const schema = op.responses[status].content?.["application/json"]?.schema;
      const ref = schema?.$ref as string | undefined;
      if (ref === undefined || resolve(schema) === undefined) problems.push(`${route} ${status}: no schema from components (${JSON.stringify(schema)})`);
      else if (!status.startsWith("2") && ref !== "#/components/schemas/Error") problems.push(`${route} ${status}: ${ref} instead of Error`);
    }
    const body = op.requestBody?.content?.["application/json"]?.schema;
    if (body !== undefined && !(resolve(body)?.examples?.length > 0)) problems.push(`${route}: request body without an example`);
  }
  expect(problems).toEqual([]);
});

test("query parameters are declared, with descriptions", () => {
  const query = (route: string) => {
    const [method, path] = route.split(" ") as [string, string];
    return (doc.paths[path][method.toLowerCase()].parameters ?? []).filter((p: any) => p.in === "query").map((p: any) => p.name).sort();
  };
  expect(query("GET /api/v1/apps")).toEqual(["all", "limit", "offset"]);
  expect(query("GET /api/v1/accounts")).toEqual(["limit", "offset"]);
  expect(query("GET /api/v1/apps/{id}/live")).toEqual(["limit", "offset", "prefix"]);
  expect(query("GET /api/v1/apps/{id}/usage")).toEqual(["period"]);
  expect(query("GET /api/v1/apps/{id}/webhooks-log")).toEqual(["endpoint", "limit", "offset"]);
  for (const [route, op] of operations()) {
    for (const p of op.parameters ?? []) if (p.in === "query" && !(p.description || p.schema?.description)) throw new Error(`${route}: ?${p.name} has no description`);
  }
});

test("the Pusher HTTP API operations stay documented: signing parameters and every status they answer", () => {
  for (const [route, op] of operations()) {
    if (!/ \/apps\/\{appId\}/.test(route)) continue;
    expect({ route, tags: op.tags, summary: typeof op.summary }).toEqual({ route, tags: ["Pusher HTTP API"], summary: "string" });
    expect({ route, params: op.parameters.filter((p: any) => p.in === "query" && p.required).map((p: any) => p.name) }).toEqual({
      route,
      params: ["auth_key", "auth_timestamp", "auth_version", "auth_signature"],
    });
    expect({ route, statuses: Object.keys(op.responses).sort() }).toEqual({ route, statuses: ["200", "400", "401", "403", "404", "413", "429"] });
    expect(op.security).toBeUndefined();
  }
});

test("the limits' input schema states each range", () => {
  const patch = resolve(doc.paths["/api/v1/apps/{id}"].patch.requestBody.content["application/json"].schema);
  expect(patch.properties.limits.properties.maxMessageBytes.description).toBe("Event data size, for API and client events. 1–512000");
});

test("the server answers every listed route (not the router's 'Not found' fallback)", async () => {
  const unanswered: string[] = [];
  for (const route of ROUTES) {
    const [method, template] = route.split(" ") as [string, string];
    const path = template.replace(/\{[^}]+\}/g, "x1");
    const res = await fetch(`${server().url}${path}`, {
      method,
      headers: method === "GET" || method === "DELETE" ? {} : { "content-type": "application/json" },
      body: method === "GET" || method === "DELETE" ? undefined : "{}",
    });
    const text = await res.text();
    if (text.includes(`Not found: ${method} ${path}`)) unanswered.push(`${route} → ${res.status} ${text}`);
  }
  expect(unanswered).toEqual([]);
  // The fallback itself, for comparison: unknown routes answer it in each API's own envelope.
  const api = await fetch(`${server().url}/api/v1/nothing-here`);
  expect({ status: api.status, body: await api.json() }).toEqual({ status: 404, body: { error: { code: "not_found", message: "Not found: GET /api/v1/nothing-here" } } });
  const other = await fetch(`${server().url}/nothing-here`, { method: "POST" });
  expect({ status: other.status, body: await other.json() }).toEqual({ status: 404, body: { error: "Not found: POST /nothing-here" } });
});

test("/swagger is HTML whose scripts, styles and spec URL are all local and load with 200", async () => {
  const res = await fetch(`${server().url}/swagger`);
  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toStartWith("text/html");
  const html = await res.text();
  const assets = [...html.matchAll(/<(?:script|link)\b[^>]*\b(?:src|href)\s*=\s*["']([^"']+)["']/gi)].map((m) => m[1]!);
  const spec = /SwaggerUIBundle\(\s*\{[^)]*"url"\s*:\s*"([^"]+)"/.exec(html)?.[1];
  expect(spec).toBeDefined();
  const urls = [...assets, spec!];
  expect(assets.length).toBeGreaterThanOrEqual(2);
  expect(urls.filter((u) => /^(https?:)?\/\//i.test(u))).toEqual([]);
  // No CDN anywhere in the page, e.g. in an inline loader.
  expect(html.match(/https?:\/\/[^\s"'<>]+/gi) ?? []).toEqual([]);

  for (const url of urls) {
    const asset = await fetch(new URL(url, `${server().url}/swagger`));
    const body = await asset.text();
    expect({ url, status: asset.status, nonEmpty: body.length > 0 }).toEqual({ url, status: 200, nonEmpty: true });
  }
  const bundle = await fetch(`${server().url}/swagger/assets/swagger-ui-bundle.js`);
  expect(bundle.headers.get("content-type")).toBe("text/javascript; charset=utf-8");
  const css = await fetch(`${server().url}/swagger/assets/swagger-ui.css`);
  expect(css.headers.get("content-type")).toBe("text/css; charset=utf-8");
});
