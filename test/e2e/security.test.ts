/**
 * The dashboard's boundaries, in headless Chromium against the real server: an app name with markup
 * renders as text, another account's app (and the admin pages) answer 404, the plan's app cap shows
 * AppService's message, and a form without the session's CSRF token or from another origin is refused.
 */
import { expect } from "bun:test";
import type { BrowserContext, Page } from "playwright-core";
import { startServer, type TestServer } from "../support/server";
import { afterAll, beforeAll, launchChromium, shot, signIn, test, type Chromium } from "./browser";

const XSS = "<img src=x onerror=alert(1)>";
const ADMIN = { email: "root@example.com", password: "admin password 1" };
const OTHER = { email: "other@example.com", password: "other password 1" };

let server: TestServer;
let chrome: Chromium;
let admin: BrowserContext;
let page: Page;
const dialogs: string[] = [];
let adminAppUrl = "";

beforeAll(async () => {
  [server, chrome] = await Promise.all([startServer(), launchChromium()]);
  admin = await chrome.context();
  page = await admin.newPage();
  page.on("dialog", (d) => {
    dialogs.push(d.message());
    void d.dismiss();
  });
  const link = /\/dashboard\/setup\?token=(\S+)/.exec(server.output())![0];
  await page.goto(server.url + link);
  await page.getByLabel("Email").fill(ADMIN.email);
  await page.getByLabel("Password").fill(ADMIN.password);
  await Promise.all([page.waitForURL(/\/dashboard\/apps/), page.getByRole("button", { name: "Create the admin account" }).click()]);
});

afterAll(async () => {
  await chrome?.close();
  await server?.stop();
});

test("an app name with markup renders as text, never as HTML", async () => {
  await page.getByLabel("App name").fill(XSS);
  await Promise.all([page.waitForURL(/getting-started/), page.getByRole("button", { name: "Create app" }).click()]);
  adminAppUrl = page.url().replace(/\/getting-started.*$/, "");
  expect(await page.locator("h1").textContent()).toBe(XSS);
  expect(await page.locator("main img").count()).toBe(0);
  const html = await (await page.request.get(adminAppUrl)).text();
  expect(html).toContain("&lt;img src=x onerror=alert(1)&gt;");
  expect(html).not.toContain(XSS);
  await page.goto(`${server.url}/dashboard/apps`);
  expect(await page.getByRole("link", { name: XSS }).count()).toBe(1);
  await shot(page, "xss-app-name");
  for (const tab of ["keys", "settings", "debug", "channels", "webhooks"]) {
    await page.goto(`${adminAppUrl}/${tab}`);
    expect(await page.locator("main img").count()).toBe(0);
  }
  expect(dialogs).toEqual([]);
  expect(chrome.problems).toEqual([]);
});

test("admin creates an account; that account gets 404 for the admin's app and the admin pages", async () => {
  await page.goto(`${server.url}/dashboard/admin/accounts`);
  await page.getByLabel("Email").fill(OTHER.email);
  await page.getByLabel("Password").fill(OTHER.password);
  await page.locator("#new-plan").selectOption("free");
  await Promise.all([page.waitForURL(/done=created/), page.getByRole("button", { name: "Create account" }).click()]);
  expect(await page.locator("table", { hasText: OTHER.email }).count()).toBe(1);
  await shot(page, "admin-accounts");
  await page.goto(`${server.url}/dashboard/admin/plans`);
  await shot(page, "admin-plans");

  const other = await chrome.context();
  try {
    const p = await other.newPage();
    await signIn(p, server.url, OTHER.email, OTHER.password);
    expect(await p.getByRole("link", { name: XSS }).count()).toBe(0);
    for (const path of ["", "/keys", "/settings", "/debug", "/channels", "/webhooks", "/getting-started"]) {
      const response = await p.goto(adminAppUrl + path);
      expect(response!.status()).toBe(404);
    }
    expect(await p.locator("h1").textContent()).toBe("Not found");
    await shot(p, "not-found");
    const stream = await p.request.get(`${adminAppUrl}/debug/stream`);
    expect(stream.status()).toBe(404);
    expect((await p.goto(`${server.url}/dashboard/admin/accounts`))!.status()).toBe(404);
    expect((await p.goto(`${server.url}/dashboard/admin/plans`))!.status()).toBe(404);

    // The free plan allows 2 apps; the third attempt shows AppService's own message.
    for (const name of ["first", "second"]) {
      await p.goto(`${server.url}/dashboard/apps`);
      await p.getByLabel("App name").fill(name);
      await Promise.all([p.waitForURL(/getting-started/), p.getByRole("button", { name: "Create app" }).click()]);
    }
    await p.goto(`${server.url}/dashboard/apps`);
    await p.getByLabel("App name").fill("third");
    const [answer] = await Promise.all([p.waitForResponse((r) => r.request().method() === "POST"), p.getByRole("button", { name: "Create app" }).click()]);
    expect(answer.status()).toBe(403);
    expect(await p.getByRole("alert").textContent()).toContain("Your plan allows 2 apps");
    await shot(p, "apps-plan-cap");

    // CSRF: the same session without the form's token, or from another origin, is refused.
    const csrf = (await p.locator('input[name="_csrf"]').first().getAttribute("value"))!;
    const cookie = (await other.cookies()).map((c) => `${c.name}=${c.value}`).join("; ");
    const post = (body: string, origin: string) =>
      fetch(`${server.url}/dashboard/apps`, {
        method: "POST",
        redirect: "manual",
        headers: { cookie, origin, "content-type": "application/x-www-form-urlencoded" },
        body,
      });
    expect((await post("name=sneaky", server.url)).status).toBe(403);
    expect((await post(`name=sneaky&_csrf=${encodeURIComponent(csrf)}`, "https://evil.example")).status).toBe(403);
    expect((await post(`name=sneaky&_csrf=wrong`, server.url)).status).toBe(403);
    expect((await p.request.get(`${server.url}/dashboard/signup`)).status()).toBe(404);
  } finally {
    await other.close();
  }
  expect(dialogs).toEqual([]);
  expect(chrome.problems).toEqual([]);
});

test("sign-up works only while an admin has it open", async () => {
  await page.goto(`${server.url}/dashboard/admin/accounts`);
  await Promise.all([page.waitForURL(/done=signup/), page.getByRole("button", { name: "Open sign-up" }).click()]);
  const visitor = await chrome.context();
  try {
    const p = await visitor.newPage();
    await p.goto(`${server.url}/dashboard/login`);
    await p.getByRole("link", { name: "Create one" }).click();
    await p.getByLabel("Email").fill("new@example.com");
    await p.getByLabel("Password").fill("new user password");
    await shot(p, "signup");
    await Promise.all([p.waitForURL(/\/dashboard\/apps$/), p.getByRole("button", { name: "Create an account" }).click()]);
    expect(await p.locator(".who").textContent()).toBe("new");
    // Sign out ends the session: the apps page sends the visitor back to sign-in.
    await Promise.all([p.waitForURL(/\/dashboard\/login$/), p.getByRole("button", { name: "Sign out" }).click()]);
    await p.goto(`${server.url}/dashboard/apps`);
    expect(p.url()).toContain("/dashboard/login?next=");
    await shot(p, "login");
  } finally {
    await visitor.close();
  }
  await page.goto(`${server.url}/dashboard/admin/accounts`);
  await Promise.all([page.waitForURL(/done=signup/), page.getByRole("button", { name: "Close sign-up" }).click()]);
  expect((await page.request.get(`${server.url}/dashboard/signup`)).status()).toBe(404);
  expect(chrome.problems).toEqual([]);
});
