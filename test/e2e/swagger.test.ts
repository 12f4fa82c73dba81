/**
 * The Swagger UI at /swagger, in headless Chromium against the real server: authorize with a real
 * personal API token, run GET /api/v1/apps through "Try it out", and see the 200 reply with the
 * caller's app on the page. Before the document declared its security schemes and responses, the
 * token was never sent and nothing showed after Execute.
 */
import { expect } from "bun:test";
import type { Page } from "playwright-core";
import { setupAdmin } from "../integration/api-helpers";
import { startServer, type TestServer } from "../support/server";
import { afterAll, beforeAll, launchChromium, shot, test, type Chromium } from "./browser";

let server: TestServer;
let chrome: Chromium;
let page: Page;
let token = "";

beforeAll(async () => {
  [server, chrome] = await Promise.all([startServer(), launchChromium()]);
  const admin = await setupAdmin(server);
  token = (await admin.post("/tokens", { name: "swagger" })).body.token;
  expect((await admin.post("/apps", { name: "Seen through Swagger" })).status).toBe(201);
  page = await (await chrome.context()).newPage();
});

afterAll(async () => {
  await chrome?.close();
  await server?.stop();
});

test("authorize with an API token, execute GET /api/v1/apps, see the 200 reply", async () => {
  await page.goto(`${server.url}/swagger`);
  await page.locator("button.authorize").first().click();
  const bearer = page.locator(".modal-ux .auth-container", { hasText: "bearer" }).first();
  await bearer.locator("input").fill(token);
  await bearer.locator("button.authorize").click();
  // Swagger UI then shows the scheme as authorized, with the value masked.
  await bearer.getByText("Authorized").waitFor();
  await bearer.locator("button.btn-done").click();

  const op = page.locator("#operations-Apps-getApiV1Apps");
  await op.locator(".opblock-summary").first().click();
  await op.getByRole("button", { name: "Try it out" }).click();
  await op.getByRole("button", { name: "Execute" }).click();

  const live = op.locator(".live-responses-table");
  await live.locator(".response-col_status", { hasText: "200" }).first().waitFor();
  const body = (await live.locator(".response-col_description pre").first().textContent()) ?? "";
  expect(JSON.parse(body)).toEqual({ items: [expect.objectContaining({ name: "Seen through Swagger", connections: 0 })], total: 1, limit: 50, offset: 0 });
  // The request Swagger shows carries the token as a Bearer header.
  expect(await op.locator(".curl-command").textContent()).toContain(`Authorization: Bearer ${token}`);
  await shot(page, "swagger-try-it-out");
  expect(chrome.problems).toEqual([]);
});
