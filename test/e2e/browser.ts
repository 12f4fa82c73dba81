/**
 * Headless Chromium for the dashboard's end-to-end tests (playwright-core driving Debian's chromium),
 * a fresh profile per launch, screenshots into test-output/screenshots/ for reviewers, and helpers to
 * sign in through the real pages.
 */
import { afterAll as bunAfterAll, beforeAll as bunBeforeAll, test as bunTest } from "bun:test";
import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { chromium, type Browser, type BrowserContext, type BrowserContextOptions, type Page } from "playwright-core";

const ROOT = join(import.meta.dir, "..", "..");
const CHROMIUM = "/usr/bin/chromium";

/**
 * Browser tests need Debian's Chromium. CI installs it (.ci/run) and must never skip them; on a
 * developer machine without it they are skipped with one line saying how to get them, so that
 * `npm install && npm test` works on a machine with only Node.
 */
const haveBrowser = existsSync(CHROMIUM) || process.env.CI === "true";
if (!haveBrowser) console.warn(`e2e: skipping the dashboard browser tests: ${CHROMIUM} not found (apt-get install chromium)`);
export const test = haveBrowser ? bunTest : bunTest.skip;
export const beforeAll: typeof bunBeforeAll = haveBrowser ? bunBeforeAll : () => {};
export const afterAll: typeof bunAfterAll = haveBrowser ? bunAfterAll : () => {};
export const SCREENSHOTS = join(ROOT, "test-output", "screenshots");

const ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

export interface Chromium {
  browser: Browser;
  /** A new isolated context (own cookies); fails the test on any page error or CSP violation. */
  context(options?: BrowserContextOptions): Promise<BrowserContext>;
  /** Problems seen in any page: uncaught errors, console errors, dialogs that were not expected. */
  problems: string[];
  close(): Promise<void>;
}

export async function launchChromium(): Promise<Chromium> {
  // launch() gives every run a fresh temporary profile (its own --user-data-dir), removed on close.
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
  mkdirSync(SCREENSHOTS, { recursive: true });
  const problems: string[] = [];
  return {
    browser,
    problems,
    async context(options = {}) {
      const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, colorScheme: "light", ...options });
      context.on("page", (page) => watch(page, problems));
      return context;
    },
    async close() {
      await browser.close();
    },
  };
}

function watch(page: Page, problems: string[]): void {
  page.on("pageerror", (err) => problems.push(`page error on ${page.url()}: ${err.message}`));
  page.on("console", (msg) => {
    // The tests load 404 and 403 pages on purpose; anything else (CSP, script errors) is a problem.
    if (msg.type() === "error" && !/status of 40[34]\b/.test(msg.text())) problems.push(`console error on ${page.url()}: ${msg.text()}`);
  });
}

export async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
}

export async function signIn(page: Page, baseUrl: string, email: string, password: string): Promise<void> {
  await page.goto(`${baseUrl}/dashboard/login`);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(password);
  await Promise.all([page.waitForURL(/\/dashboard\/apps/), page.getByRole("button", { name: "Sign in" }).click()]);
}
