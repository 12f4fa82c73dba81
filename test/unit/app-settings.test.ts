/**
 * Every app setting is declared once, in the App schema (src/engine/app.ts): this walks that
 * declaration and checks that each toggle and each limit reaches every place that lists settings
 * (CLI flags and help, the management API's models, the dashboard's settings form) without being
 * named there. A setting added to the schema alone passes these tests.
 */
import { expect, test } from "bun:test";
import { MODELS } from "../../src/api/models";
import { APPS_HELP, SETTING_OPTIONS, settingsFrom } from "../../src/cli/apps";
import { parse } from "../../src/cli/args";
import { SettingsPage } from "../../src/dashboard/routes/settings";
import type { Viewer } from "../../src/dashboard/viewer";
import { AppLimits, AppToggles, DEFAULT_LIMITS, DEFAULT_TOGGLES, LIMIT_NAMES, TOGGLE_NAMES, type App, type LimitName } from "../../src/engine/app";
import { makeApp } from "./fakes";

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
  expect(TOGGLE_NAMES).toEqual(["enabled", "clientEvents", "userAuth", "subscriptionCount", "watchlistEvents", "lenientEventNames"]);
  for (const name of TOGGLE_NAMES) {
    const schema = AppToggles.properties[name];
    expect([name, typeof schema.title, typeof schema.description, typeof schema.default]).toEqual([name, "string", "string", "boolean"]);
  }
  for (const name of LIMIT_NAMES) {
    const { minimum, maximum, default: value } = range(name);
    expect([name, Number.isInteger(value) && value >= minimum && value <= maximum]).toEqual([name, true]);
  }
  // The defaults are Pusher's, as before they were derived from the schema.
  expect(DEFAULT_LIMITS).toEqual({
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
  expect(DEFAULT_TOGGLES).toEqual({
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
