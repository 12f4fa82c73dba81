/**
 * The overview's usage charts in headless Chromium: switching the period renames the bucket in every
 * caption (the 24-hour and 30-day views used to say "per minute"), the current bucket is not drawn
 * (it looked like a drop at the end of every chart) and is marked "so far" in the table.
 */
import { expect } from "bun:test";
import type { Page } from "playwright-core";
import { startServer, type TestServer } from "../support/server";
import { ApiClient, newAccount, setupAdmin } from "../integration/api-helpers";
import { afterAll, beforeAll, launchChromium, shot, test, type Chromium } from "./browser";

let server: TestServer;
let chrome: Chromium;
let alice: ApiClient;

beforeAll(async () => {
  [server, chrome] = await Promise.all([startServer(), launchChromium()]);
  alice = await newAccount(await setupAdmin(server), "alice@example.com", { planId: "business" });
});
afterAll(async () => {
  await chrome?.close();
  await server?.stop();
});

async function bucketNames(page: Page): Promise<string[]> {
  return page.locator("[data-bucket-name]").evaluateAll((els) => [...new Set(els.map((el) => el.textContent))] as string[]);
}

test("each period names its bucket and draws only complete buckets", async () => {
  const app = await alice.createApp();
  const context = await chrome.context();
  await context.addCookies([{ name: "mawjly_session", value: alice.auth.cookie!, url: server.url }]);
  const page = await context.newPage();
  await page.goto(`${server.url}/dashboard/apps/${app.id}`);
  for (const [button, bucket, drawn] of [["Last hour", "minute", 59], ["Last 24 hours", "hour", 23], ["Last 30 days", "day", 29]] as const) {
    await page.getByRole("button", { name: button }).click();
    await page.locator(`#chart-messages[data-points="${drawn}"] .uplot`).waitFor();
    await page.waitForFunction((b) => document.querySelector("[data-bucket-name]")?.textContent === b, bucket);
    expect({ button, names: await bucketNames(page), drawn: await page.locator("#chart-connections").getAttribute("data-points") }).toEqual({
      button,
      names: [bucket],
      drawn: String(drawn),
    });
    const rows = page.locator("#usage-table tbody tr th");
    expect(await rows.last().textContent()).toEndWith(" (so far)");
    expect(await page.locator("#usage-table tbody tr th", { hasText: "(so far)" }).count()).toBe(1);
  }
  await shot(page, "usage-month");
  expect(chrome.problems).toEqual([]);
  await context.close();
});
