/**
 * The dashboard end to end, in headless Chromium against the real server process: first-admin setup,
 * create an app, read its keys from the page, connect pusher-js with them, watch the debug console
 * show the connection and subscription, publish from the event creator, turn client events off, and
 * revoke a second key pair whose client is then disconnected. Screenshots of each page are saved.
 */
import { expect } from "bun:test";
import type { BrowserContext, Page } from "playwright-core";
import type PusherJS from "pusher-js";
import type { App } from "../../src/engine/app";
import { connected, pusherClient, waitFor } from "../support/clients";
import { startServer, type TestServer } from "../support/server";
import { until } from "../support/wait";
import { afterAll, beforeAll, launchChromium, shot, test, type Chromium } from "./browser";

const ADMIN = { email: "admin@example.com", password: "correct horse battery" };

let server: TestServer;
let chrome: Chromium;
let context: BrowserContext;
let page: Page;
const clients: PusherJS[] = [];

beforeAll(async () => {
  [server, chrome] = await Promise.all([startServer(), launchChromium()]);
  context = await chrome.context();
  page = await context.newPage();
});

afterAll(async () => {
  for (const c of clients) c.disconnect();
  await chrome?.close();
  await server?.stop();
});

/** The keys page's values for one pair, revealing its secret through the explicit action. */
async function readPair(row: number): Promise<{ key: string; secret: string }> {
  const rows = page.locator("table.keys tbody tr");
  const key = (await rows.nth(row).locator("code.key").textContent())!;
  expect(await page.locator("code.secret").count()).toBe(0); // hidden until revealed
  await Promise.all([page.waitForLoadState(), rows.nth(row).getByRole("button", { name: "Reveal secret" }).click()]);
  const secret = (await page.locator(`code[data-secret="${key}"]`).textContent())!;
  return { key, secret };
}

function consoleEntry(type: string, text: string) {
  return page.locator(`#debug-log li[data-type="${type}"]`, { hasText: text }).first();
}

async function setClientEvents(base: string, on: boolean): Promise<void> {
  await page.goto(`${base}/settings`);
  await page.getByRole("checkbox", { name: "Client events" }).setChecked(on);
  await Promise.all([page.waitForURL(/done=saved/), page.getByRole("button", { name: "Save settings" }).click()]);
}

test("setup, app, keys, live console, event creator, client events off, key revocation", async () => {
  // First admin through the one-time link the server printed.
  const link = /\/dashboard\/setup\?token=(\S+)/.exec(server.output())?.[0];
  expect(link).toBeDefined();
  await page.goto(server.url + link);
  await page.getByLabel("Email").fill(ADMIN.email);
  await page.getByLabel("Name (optional)").fill("Ada Admin");
  await page.getByLabel("Password").fill(ADMIN.password);
  await shot(page, "01-setup");
  await Promise.all([page.waitForURL(/\/dashboard\/apps\?done=welcome/), page.getByRole("button", { name: "Create the admin account" }).click()]);
  await shot(page, "02-apps-empty");

  // Create an app; the dashboard lands on its getting-started snippets.
  await page.getByLabel("App name").fill("Chat demo");
  await Promise.all([page.waitForURL(/getting-started\?done=created/), page.getByRole("button", { name: "Create app" }).click()]);
  const base = page.url().replace(/\/getting-started.*$/, "");
  const appId = base.split("/").pop()!;
  expect(await page.locator("#snippet-pusher-js").textContent()).toContain(`wsPort: ${server.port}`);
  expect(await page.locator("#snippet-node").textContent()).toContain("YOUR_APP_SECRET");
  await shot(page, "03-getting-started");

  // Keys from the page, as a user would copy them.
  await page.goto(`${base}/keys`);
  const primary = await readPair(0);
  const cluster = (await page.locator("#app-cluster").textContent())!;
  expect(await page.locator("#app-id").textContent()).toBe(appId);
  await shot(page, "04-keys-revealed");
  const app = { id: appId, key: primary.key, secret: primary.secret, cluster } as App;

  await setClientEvents(base, true);
  await shot(page, "05-settings");

  // The debug console is live before the client connects.
  await page.goto(`${base}/debug`);
  await page.locator("#stream-status", { hasText: "Live" }).waitFor();
  const client = pusherClient(server, app);
  clients.push(client);
  await connected(client);
  const channel = client.subscribe("private-chat");
  await waitFor((cb) => channel.bind("pusher:subscription_succeeded", cb), 5000, "subscription");
  const socketId = client.connection.socket_id;
  await consoleEntry("connected", socketId).waitFor();
  await consoleEntry("subscribed", "private-chat").waitFor();
  await consoleEntry("occupied", "private-chat").waitFor();

  // The event creator publishes through the normal path; the client gets it, the console shows it.
  const received = waitFor<{ text: string }>((cb) => channel.bind("greeting", cb), 5000, "greeting");
  await page.getByLabel("Channel").fill("private-chat");
  await page.getByLabel("Event name").fill("greeting");
  await page.getByLabel("Data (JSON)").fill('{"text": "hello from the dashboard"}');
  await page.getByRole("button", { name: "Send event" }).click();
  expect((await received).text).toBe("hello from the dashboard");
  await page.locator("#creator-result", { hasText: "Sent to 1 subscriber" }).waitFor();
  await consoleEntry("api_message", "greeting").waitFor();

  // Client events: allowed now (the console records it), refused once switched off.
  channel.trigger("client-typing", { who: "ada" });
  await consoleEntry("client_event", "client-typing").waitFor();
  await page.getByLabel("Filter by text").fill("greeting");
  expect(await consoleEntry("client_event", "client-typing").isVisible()).toBe(false);
  await page.getByLabel("Filter by text").fill("");
  await shot(page, "06-debug-console");

  await setClientEvents(base, false);
  const refused = waitFor<any>((cb) => client.connection.bind("error", cb), 5000, "client event refusal");
  channel.trigger("client-typing", { who: "ada" });
  expect(JSON.stringify(await refused)).toContain("4301");
  await page.goto(`${base}/debug`);
  await consoleEntry("error", "client events are not enabled").waitFor();

  // Rotate: add a pair, connect a second client with it, revoke it; only that client is disconnected.
  await page.goto(`${base}/keys`);
  await Promise.all([page.waitForURL(/done=added/), page.getByRole("button", { name: "Add a key pair" }).click()]);
  const second = await readPair(1);
  expect(second.key).not.toBe(primary.key);
  const other = pusherClient(server, { ...app, key: second.key, secret: second.secret } as App);
  clients.push(other);
  await connected(other);
  const dropped = waitFor((cb) => other.connection.bind("state_change", (s: { current: string }) => s.current !== "connected" && cb(s)), 5000, "revoked client to drop");
  await page.reload();
  expect(await page.locator(`tr[data-key="${second.key}"] td.num`).textContent()).toBe("1");
  await shot(page, "07-keys-two-pairs");
  page.once("dialog", (dialog) => void dialog.accept());
  await Promise.all([page.waitForURL(/done=revoked/), page.locator(`tr[data-key="${second.key}"]`).getByRole("button", { name: "Revoke" }).click()]);
  await dropped;
  expect(client.connection.state).toBe("connected");
  expect(await page.locator(`tr[data-key="${second.key}"]`).count()).toBe(0);

  // The remaining pages, for reviewers.
  await page.goto(`${base}/channels`);
  expect(await page.locator("table", { hasText: "private-chat" }).count()).toBe(1);
  await shot(page, "08-channels");
  await page.goto(base);
  await page.locator("#chart-messages .uplot").waitFor();
  await shot(page, "09-overview");
  await page.goto(`${server.url}/dashboard/apps`);
  await shot(page, "10-apps");
  expect(chrome.problems).toEqual([]);
}, 45_000);

test("webhooks page: add an endpoint, send a test, see the delivery log", async () => {
  const received: string[] = [];
  const receiver = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: async (r) => (received.push(await r.text()), new Response("ok")) });
  try {
    await page.goto(`${server.url}/dashboard/apps`);
    await page.getByRole("link", { name: "Chat demo" }).click();
    await page.getByRole("link", { name: "Webhooks" }).click();
    await page.getByLabel("URL").fill(`http://127.0.0.1:${receiver.port}/hook`);
    await Promise.all([page.waitForURL(/done=added/), page.getByRole("button", { name: "Add endpoint" }).click()]);
    await Promise.all([page.waitForURL(/done=test-ok/), page.getByRole("button", { name: "Send test" }).click()]);
    expect(received.length).toBe(1);
    expect(await page.locator("table", { hasText: "delivered" }).count()).toBe(1);

    // A real delivery (channel_occupied when a client subscribes), then redeliver it from the log.
    const appId = page.url().split("/apps/")[1]!.split("/")[0]!;
    const hooked = clients[0]!;
    hooked.subscribe("hooked");
    await until(() => received.some((body) => body.includes('"hooked"')), "channel_occupied webhook");
    await page.goto(`${server.url}/dashboard/apps/${appId}/webhooks`);
    const before = received.length;
    await Promise.all([page.waitForURL(/done=redelivered/), page.getByRole("button", { name: "Redeliver" }).first().click()]);
    await until(() => received.length > before, "redelivered webhook");
    expect(received.at(-1)).toContain('"hooked"');
    await page.reload();
    await shot(page, "11-webhooks");
  } finally {
    receiver.stop(true);
  }
});

test("phone-sized and dark pages stay readable", async () => {
  const cookies = await context.cookies();
  const phone = await chrome.context({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
  const dark = await chrome.context({ colorScheme: "dark" });
  try {
    await phone.addCookies(cookies);
    await dark.addCookies(cookies);
    const p = await phone.newPage();
    await p.goto(`${server.url}/dashboard/apps`);
    await shot(p, "phone-apps");
    await p.getByRole("link", { name: "Chat demo" }).click();
    await p.locator("#chart-connections .uplot").waitFor();
    await shot(p, "phone-overview");
    // Nothing wider than the screen: the page does not scroll sideways.
    expect(await p.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    for (const [path, name] of [["/keys", "phone-keys"], ["/debug", "phone-debug"], ["/settings", "phone-settings"]] as const) {
      await p.goto(p.url().replace(/\/dashboard\/apps\/([^/?]+).*$/, `/dashboard/apps/$1${path}`));
      expect(await p.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
      await shot(p, name);
    }
    const d = await dark.newPage();
    await d.goto(`${server.url}/dashboard/apps`);
    await d.getByRole("link", { name: "Chat demo" }).click();
    await d.locator("#chart-connections .uplot").waitFor();
    await shot(d, "dark-overview");
    await d.goto(`${d.url()}/debug`);
    await d.locator("#debug-log li").first().waitFor();
    await shot(d, "dark-debug");
    expect(chrome.problems).toEqual([]);
  } finally {
    await phone.close();
    await dark.close();
  }
});

/** Every control and cell in the page's tables, with where it is drawn; none may be hidden or cut off. */
async function tableControls(p: Page): Promise<Array<{ what: string; visible: boolean; right: number }>> {
  const controls = p.locator("table :is(a, button, select, input:not([type=hidden]), summary), table tbody :is(th, td)");
  const found: Array<{ what: string; visible: boolean; right: number }> = [];
  for (let i = 0; i < (await controls.count()); i++) {
    const control = controls.nth(i);
    const box = await control.boundingBox();
    const what = await control.evaluate((el) => `${el.tagName.toLowerCase()} ${(el.textContent ?? "").trim() || el.getAttribute("name") || el.id}`);
    // Text wider than its cell (a long address) is cut off by the table's frame: count it as off-screen.
    const spills = await control.evaluate((el) => el.scrollWidth > el.clientWidth + 1);
    found.push({ what, visible: await control.isVisible(), right: box === null || spills ? Infinity : box.x + box.width });
  }
  return found;
}

test("phone: the apps, channels and accounts tables become cards with every control on screen", async () => {
  // A second account with a long address, a presence channel with a member: the widest rows.
  await page.goto(`${server.url}/dashboard/admin/accounts`);
  await page.getByLabel("Email").fill("someone.with.a.rather.long.address@example.com");
  await page.getByLabel("Password", { exact: true }).fill("another long password");
  await Promise.all([page.waitForURL(/done=created/), page.getByRole("button", { name: "Create account" }).click()]);
  const presence = clients[0]!.subscribe("presence-phone-lobby");
  await waitFor((cb) => presence.bind("pusher:subscription_succeeded", cb), 5000, "presence subscription");

  const phone = await chrome.context({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
  try {
    await phone.addCookies(await context.cookies());
    const p = await phone.newPage();
    await p.goto(`${server.url}/dashboard/apps`);
    await p.getByRole("link", { name: "Chat demo" }).waitFor();
    const appPath = (await p.getByRole("link", { name: "Chat demo" }).getAttribute("href"))!;
    for (const [path, name, minimum] of [
      ["/dashboard/apps", "phone-apps-table", 1 + 5],
      [`${appPath}/channels`, "phone-channels-table", 1 + 3 * 4],
      ["/dashboard/admin/accounts", "phone-accounts-table", 2 * 4 + 2 * 6],
    ] as const) {
      await p.goto(server.url + path);
      const controls = await tableControls(p);
      expect(controls.length).toBeGreaterThanOrEqual(minimum);
      // Each control and cell is drawn and ends inside the 390 px screen (no sideways scrolling inside the table).
      expect(controls.filter((c) => !c.visible || c.right > 390)).toEqual([]);
      expect(await p.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
      await shot(p, name);
    }
    expect(chrome.problems).toEqual([]);
  } finally {
    await phone.close();
  }
});

test("settings: no internal spec references in any page; a limit out of range is refused with the service's message", async () => {
  await page.goto(`${server.url}/dashboard/apps`);
  const appPath = (await page.getByRole("link", { name: "Chat demo" }).getAttribute("href"))!;
  for (const tab of ["", "/getting-started", "/keys", "/settings", "/webhooks", "/debug", "/channels"]) {
    await page.goto(server.url + appPath + tab);
    expect((await page.content()).match(/.{0,40}§.{0,20}/g) ?? []).toEqual([]);
  }
  for (const path of ["/dashboard/apps", "/dashboard/admin/accounts", "/dashboard/admin/plans"]) {
    await page.goto(server.url + path);
    expect((await page.content()).match(/.{0,40}§.{0,20}/g) ?? []).toEqual([]);
  }

  await page.goto(`${server.url}${appPath}/settings`);
  const field = page.getByLabel("Max event data size (bytes)");
  expect(await field.getAttribute("max")).toBe("512000");
  expect(await page.locator("#f-limit_maxMessageBytes-hint").textContent()).toBe("Event data size, for API and client events. From 1 to 512,000.");
  await field.fill("99999999999");
  // The browser already refuses it; without that check (an old browser, a script) the server does.
  expect(await field.evaluate((el) => (el as HTMLInputElement).validity.rangeOverflow)).toBe(true);
  await page.locator("form.settings").evaluate((form) => ((form as HTMLFormElement).noValidate = true));
  const [response] = await Promise.all([
    page.waitForResponse((r) => r.url().endsWith("/settings") && r.request().method() === "POST"),
    page.getByRole("button", { name: "Save settings" }).click(),
  ]);
  expect(response.status()).toBe(400);
  expect(await page.getByRole("alert").textContent()).toBe("Invalid maxMessageBytes 99999999999: use a whole number from 1 to 512000");
  await shot(page, "12-settings-out-of-range");
  await page.goto(`${server.url}${appPath}/settings`);
  expect(await page.getByLabel("Max event data size (bytes)").inputValue()).toBe("10240");
  // The refused save is the one expected console error (Chromium logs every 400 page load).
  const expected = (p: string) => /\/settings: Failed to load resource: the server responded with a status of 400\b/.test(p);
  expect(chrome.problems.filter(expected).length).toBe(1);
  expect(chrome.problems.filter((p) => !expected(p))).toEqual([]);
});
