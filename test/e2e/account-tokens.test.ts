/**
 * API tokens from the dashboard's account page, in headless Chromium against the real server: create
 * a token, see its value once, use it with fetch as a script would, see "last used", revoke it, and
 * the same request is 401. Also: a too-short password on the sign-up form reads as one sentence.
 */
import { expect } from "bun:test";
import type { Page } from "playwright-core";
import { startServer, type TestServer } from "../support/server";
import { afterAll, beforeAll, launchChromium, shot, test, type Chromium } from "./browser";

const ADMIN = { email: "owner@example.com", password: "owner password 1" };

let server: TestServer;
let chrome: Chromium;
let page: Page;

beforeAll(async () => {
  [server, chrome] = await Promise.all([startServer(), launchChromium()]);
  page = await (await chrome.context()).newPage();
  page.on("dialog", (d) => void d.accept());
  const link = /\/dashboard\/setup\?token=(\S+)/.exec(server.output())![0];
  await page.goto(server.url + link);
  await page.getByLabel("Email").fill(ADMIN.email);
  await page.getByLabel("Name (optional)").fill("Owner");
  await page.getByLabel("Password").fill(ADMIN.password);
  await Promise.all([page.waitForURL(/\/dashboard\/apps/), page.getByRole("button", { name: "Create the admin account" }).click()]);
});

afterAll(async () => {
  await chrome?.close();
  await server?.stop();
});

const me = (token: string) => fetch(`${server.url}/api/v1/me`, { headers: { authorization: `Bearer ${token}` } });

test("create an API token on the account page, see it once, use it, revoke it: then 401", async () => {
  await Promise.all([page.waitForURL(/\/dashboard\/account$/), page.getByRole("link", { name: "Owner" }).click()]);
  expect(await page.locator("#no-tokens").textContent()).toBe("No API tokens yet.");
  await page.getByLabel("Token name").fill("deploy script");
  await Promise.all([page.waitForLoadState(), page.getByRole("button", { name: "Create token" }).click()]);
  const token = (await page.locator("#new-token-value").textContent())!;
  expect(token).toMatch(/^mwj_[A-Za-z0-9_-]{40}$/);
  await shot(page, "account-token-created");

  const used = await me(token);
  expect(used.status).toBe(200);
  expect(((await used.json()) as { account: { email: string } }).account.email).toBe(ADMIN.email);

  // Shown once: the page reloaded lists the token by name, with its last use, but not its value.
  await page.goto(`${server.url}/dashboard/account`);
  expect(await page.content()).not.toContain(token);
  const row = page.locator("table.tokens tbody tr", { hasText: "deploy script" });
  expect(await row.count()).toBe(1);
  expect(await row.locator('td[data-label="Last used"]').textContent()).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d UTC$/);

  await Promise.all([page.waitForURL(/done=revoked/), row.getByRole("button", { name: "Revoke" }).click()]);
  expect(await page.locator("p.notice.ok").textContent()).toBe("Token revoked. Requests that send it are refused from now on.");
  expect(await page.locator("table.tokens tbody tr", { hasText: "deploy script" }).count()).toBe(0);
  const refused = await me(token);
  expect({ status: refused.status, body: await refused.json() }).toEqual({
    status: 401,
    body: { error: { code: "unauthorized", message: "Invalid or revoked API token" } },
  });
  expect(chrome.problems).toEqual([]);
});

test("an empty token name is refused on the page with one sentence", async () => {
  await page.goto(`${server.url}/dashboard/account`);
  await page.getByLabel("Token name").fill("   ");
  await Promise.all([page.waitForLoadState(), page.getByRole("button", { name: "Create token" }).click()]);
  expect(await page.locator("p.notice.error").textContent()).toBe("A token needs a name of 1–100 characters");
});

test("the sign-up form answers a too-short password with one sentence", async () => {
  expect(server.cli(["accounts", "signup", "open"]).code).toBe(0);
  const visitor = await (await chrome.context()).newPage();
  await visitor.goto(`${server.url}/dashboard/signup`);
  await visitor.getByLabel("Email").fill("newcomer@example.com");
  await visitor.getByLabel("Password").fill("short");
  await Promise.all([visitor.waitForLoadState(), visitor.getByRole("button", { name: "Create an account" }).click()]);
  expect(await visitor.locator("p.notice.error").textContent()).toBe("Password must be at least 10 characters");
});
