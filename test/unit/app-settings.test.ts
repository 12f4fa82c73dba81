/**
 * Every app setting is declared once, in the settings tables of src/engine/app.ts: this walks the
 * App schema built from them (src/apps/schema.ts) and checks that each toggle and each limit reaches
 * every place that lists settings (CLI flags and help, the management API's models, the dashboard's
 * settings form, the store's JSON column) without being named there. A setting added to the tables
 * alone passes these tests.
 */
import { afterEach, expect, test } from "bun:test";
import { Database } from "bun:sqlite";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MODELS } from "../../src/api/models";
import { AppStore } from "../../src/apps/store";
import { APPS_HELP, SETTING_OPTIONS, settingsFrom } from "../../src/cli/apps";
import { parse } from "../../src/cli/args";
import { SettingsPage } from "../../src/dashboard/routes/settings";
import type { Viewer } from "../../src/dashboard/viewer";
import { AppLimits, AppToggles } from "../../src/apps/schema";
import { DEFAULT_LIMITS, DEFAULT_TOGGLES, LIMIT_NAMES, TOGGLE_NAMES, type App, type LimitName } from "../../src/engine/app";
import { DB_FILE, migrate } from "../../src/store/database";
import { MIGRATIONS } from "../../src/store/migrations";
import { SqliteDb } from "../../src/store/sqlite";
import { makeApp } from "./fakes";

const cleanup: Array<() => void> = [];
afterEach(() => {
  for (const fn of cleanup.splice(0)) fn();
});

function freshDb(): Database {
  const dir = mkdtempSync(join(tmpdir(), "mawjly-settings-"));
  const db = new Database(join(dir, DB_FILE), { create: true });
  cleanup.unshift(() => rmSync(dir, { recursive: true, force: true }), () => db.close());
  return db;
}

const kebab = (name: string) => name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
const range = (name: LimitName) => AppLimits.properties[name] as { minimum: number; maximum: number; default: number };
/** A valid value other than the default, so that a lost value would show. */
const otherThanDefault = (name: LimitName) => (range(name).default === range(name).maximum ? range(name).minimum : range(name).maximum);

/** Every toggle flipped and every limit moved off its default. */
function everythingChanged(): App {
  const toggles = Object.fromEntries(TOGGLE_NAMES.map((name) => [name, !DEFAULT_TOGGLES[name]]));
  const limits = Object.fromEntries(LIMIT_NAMES.map((name) => [name, otherThanDefault(name)]));
  return makeApp({ id: "settings-test", ...toggles, limits });
}

test("the declaration: every toggle has a label, a description and a boolean default; every limit a default in its range", () => {
  for (const name of TOGGLE_NAMES) {
    const schema = AppToggles.properties[name];
    expect([name, typeof schema.title, typeof schema.description, typeof schema.default]).toEqual([name, "string", "string", "boolean"]);
  }
  for (const name of LIMIT_NAMES) {
    const { minimum, maximum, default: value } = range(name);
    expect([name, Number.isInteger(value) && value >= minimum && value <= maximum]).toEqual([name, true]);
  }
  // The defaults are Pusher's, as before they were derived from the schema (later settings may join).
  expect(DEFAULT_LIMITS).toMatchObject({
    maxConnections: 0,
    maxMessageBytes: 10240,
    maxChannelsPerTrigger: 100,
    maxBatchSize: 10,
    maxEventNameLength: 200,
    maxChannelNameLength: 200,
    maxPresenceMembers: 100,
    maxUserInfoBytes: 1024,
    maxUserIdLength: 128,
    clientEventsPerSecond: 10,
    apiRequestsPerSecond: 0,
    userAuthTimeout: 30,
    maxWatchlistSize: 100,
    maxChannelsPerConnection: 1000,
  });
  expect(DEFAULT_TOGGLES).toMatchObject({
    enabled: true,
    clientEvents: false,
    userAuth: false,
    subscriptionCount: false,
    watchlistEvents: false,
    lenientEventNames: false,
  });
});

test("CLI: every toggle has an on and an off flag, every limit a --kebab-case flag, all in the help", () => {
  const flags = Object.keys(SETTING_OPTIONS);
  for (const name of TOGGLE_NAMES) {
    const schema = AppToggles.properties[name] as { "x-cli-flag"?: string; "x-cli-off-flag"?: string };
    const on = schema["x-cli-flag"] ?? kebab(name);
    const off = schema["x-cli-off-flag"] ?? `no-${on}`;
    expect([name, flags.includes(on), flags.includes(off)]).toEqual([name, true, true]);
    expect(APPS_HELP).toContain(`[--${on}|--${off}]`);
    expect(settingsFrom(parse([`--${on}`], SETTING_OPTIONS, "apps update").values)).toEqual({ [name]: true });
    expect(settingsFrom(parse([`--${off}`], SETTING_OPTIONS, "apps update").values)).toEqual({ [name]: false });
    expect(() => settingsFrom(parse([`--${on}`, `--${off}`], SETTING_OPTIONS, "apps update").values)).toThrow(
      `apps: --${on} and --${off} contradict each other`,
    );
  }
  expect(APPS_HELP).toContain("[--watchlist|--no-watchlist]");
  expect(APPS_HELP).toContain("[--enabled|--disabled]");
  for (const name of LIMIT_NAMES) {
    expect(APPS_HELP).toContain(`--${kebab(name)}`);
    const value = String(otherThanDefault(name));
    expect(settingsFrom(parse([`--${kebab(name)}`, value], SETTING_OPTIONS, "apps update").values)).toEqual({
      limits: { [name]: Number(value) },
    });
  }
});

test("API: every setting is a property of the input models (with its description and range) and of the App model", () => {
  type Props = Record<string, { description?: string; properties?: Props }>;
  for (const model of [MODELS.AppSettings, MODELS.CreateApp]) {
    const props = model.properties as unknown as Props;
    for (const name of TOGGLE_NAMES) expect([name, props[name]?.description]).toEqual([name, AppToggles.properties[name].description]);
    for (const name of LIMIT_NAMES) {
      const { minimum, maximum } = range(name);
      expect([name, props.limits!.properties![name]?.description?.endsWith(`${minimum}–${maximum}`)]).toEqual([name, true]);
    }
  }
  for (const model of [MODELS.App, MODELS.AppWithSecrets]) {
    const props = model.properties as unknown as Props;
    for (const name of TOGGLE_NAMES) expect([name, name in props]).toEqual([name, true]);
    for (const name of LIMIT_NAMES) expect([name, name in props.limits!.properties!]).toEqual([name, true]);
  }
});

test("dashboard: the settings page has a checkbox per toggle and a number field per limit, showing the app's values", () => {
  const app = everythingChanged();
  const viewer = {
    csrf: "csrf",
    caller: { via: "session", csrf: "csrf", account: { id: "a1", email: "ada@example.com", name: "Ada", isAdmin: true } },
  } as unknown as Viewer;
  const html = SettingsPage({ viewer, app }).html;
  for (const name of TOGGLE_NAMES) {
    const checkbox = new RegExp(`<input type="checkbox" id="c-${name}" name="${name}" value="on"( checked)?`).exec(html);
    expect([name, checkbox?.[1] === " checked"]).toEqual([name, app[name]]);
    expect(html).toContain(`<label for="c-${name}">${AppToggles.properties[name].title}</label>`);
  }
  for (const name of LIMIT_NAMES) {
    const { minimum, maximum } = range(name);
    expect(html).toContain(`name="limit_${name}" type="number" value="${app.limits[name]}" required min="${minimum}" max="${maximum}"`);
  }
});

test("store: every toggle and every limit round-trips through the settings column", async () => {
  const db = freshDb();
  migrate(db);
  const store = new AppStore(new SqliteDb(db));
  const changed = everythingChanged();
  await store.insert(changed);
  expect(await store.byId(changed.id)).toEqual(changed);
  const defaults = makeApp({ id: "defaults", key: "k-defaults", secret: "s" });
  await store.insert(defaults);
  expect(await store.byId(defaults.id)).toEqual(defaults);
  // Only limits that differ from the defaults are stored, so a later default reaches these apps.
  const { settings } = db.query("SELECT settings FROM apps WHERE id = 'defaults'").get() as { settings: string };
  expect(JSON.parse(settings)).toEqual({ ...DEFAULT_TOGGLES, limits: {} });
  await store.update({ ...changed, ...DEFAULT_TOGGLES, limits: DEFAULT_LIMITS });
  expect(await store.byId(changed.id)).toEqual({ ...changed, ...DEFAULT_TOGGLES, limits: DEFAULT_LIMITS });
});

test("store: a setting missing from a stored app (added after it was saved) reads as its default; unknown stored names are ignored", async () => {
  const db = freshDb();
  migrate(db);
  db.query("INSERT INTO apps (id, name, cluster, settings, created_at, updated_at) VALUES ('old', 'Old', 'sa', ?, 'x', 'x')").run(
    JSON.stringify({ clientEvents: true, removedSetting: true, limits: { maxConnections: 5, removedLimit: 1 } }),
  );
  const app = (await new AppStore(new SqliteDb(db)).byId("old"))!;
  expect(app).toMatchObject({ ...DEFAULT_TOGGLES, clientEvents: true, limits: { ...DEFAULT_LIMITS, maxConnections: 5 } });
  expect("removedSetting" in app || "removedLimit" in app.limits).toBe(false);
});

test("migration 6 moves the old per-setting columns into the settings column without losing a value", async () => {
  const db = freshDb();
  migrate(db, MIGRATIONS.slice(0, 5));
  const insert = db.query(
    `INSERT INTO apps (id, name, cluster, enabled, client_events, user_auth, subscription_count, watchlist_events,
       lenient_event_names, limits, created_at, updated_at, account_id)
     VALUES (?, ?, 'eu', ?, ?, ?, ?, ?, ?, ?, '2024-01-01T00:00:00.000Z', '2024-01-02T00:00:00.000Z', NULL)`,
  );
  insert.run("a", "All on", 1, 1, 1, 1, 1, 1, JSON.stringify({ maxConnections: 500, maxMessageBytes: 2048 }));
  insert.run("b", "All off", 0, 0, 0, 0, 0, 0, "{}");
  insert.run("c", "Mixed", 0, 1, 0, 1, 0, 1, JSON.stringify({ userAuthTimeout: 60 }));
  db.query("INSERT INTO app_keys (key, app_id, secret, created_at) VALUES ('key-a', 'a', 'secret-a', '2024-01-01T00:00:00.000Z')").run();
  // 0006 and every later migration.
  expect(migrate(db).map((m) => m.name)).toEqual(MIGRATIONS.filter((m) => m.version >= 6).map((m) => m.name));

  const store = new AppStore(new SqliteDb(db));
  // The toggles that had a column; a toggle declared later is not in these rows and reads its default.
  const COLUMNS = ["enabled", "clientEvents", "userAuth", "subscriptionCount", "watchlistEvents", "lenientEventNames"] as const;
  const pick = (app: App): Record<string, unknown> => ({ name: app.name, cluster: app.cluster, ...Object.fromEntries(COLUMNS.map((n) => [n, app[n]])), limits: app.limits });
  const on = Object.fromEntries(COLUMNS.map((n) => [n, true]));
  const off = Object.fromEntries(COLUMNS.map((n) => [n, false]));
  expect(pick((await store.byId("a"))!)).toEqual({ name: "All on", cluster: "eu", ...on, limits: { ...DEFAULT_LIMITS, maxConnections: 500, maxMessageBytes: 2048 } });
  expect(pick((await store.byId("b"))!)).toEqual({ name: "All off", cluster: "eu", ...off, limits: DEFAULT_LIMITS });
  expect(pick((await store.byId("c"))!)).toEqual({
    name: "Mixed",
    cluster: "eu",
    enabled: false,
    clientEvents: true,
    userAuth: false,
    subscriptionCount: true,
    watchlistEvents: false,
    lenientEventNames: true,
    limits: { ...DEFAULT_LIMITS, userAuthTimeout: 60 },
  });
  expect((await store.byId("a"))!.keys).toEqual([{ key: "key-a", secret: "secret-a", createdAt: "2024-01-01T00:00:00.000Z" }]);
  // The old columns are gone, so nothing can read a stale copy.
  const columns = (db.query("PRAGMA table_info(apps)").all() as { name: string }[]).map((c) => c.name).sort();
  expect(columns).toEqual(["account_id", "cluster", "created_at", "id", "name", "revision", "settings", "updated_at"]);
});
