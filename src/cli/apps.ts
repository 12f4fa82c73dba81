/**
 * `mawjly apps create|list|show|update|delete`. Talks to the same AppService as the server; a running
 * server notices the change within a second (AppChangeWatcher).
 */
import { AppService, WEAK_SECRET_LENGTH, type AppSettingsInput } from "../apps/service";
import { AppStore } from "../apps/store";
import { DEFAULT_TOGGLES, LIMIT_NAMES, TOGGLE_NAMES, TOGGLES, type App, type AppLimits, type BooleanSetting, type LimitName } from "../engine/app";
import { integerFlag, parse, subcommand, type Options, UsageError } from "./args";
import { dataDirHint, withStore } from "./store";

/** "maxMessageBytes" → "max-message-bytes". */
const kebab = (name: string) => name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

/**
 * Every toggle (TOGGLES, src/engine/app.ts) has an on and an off flag: `--client-events` / `--no-client-events`,
 * or the names its `x-cli-flag` / `x-cli-off-flag` give (`--enabled` / `--disabled`).
 */
const TOGGLE_FLAGS = TOGGLE_NAMES.map((name) => {
  const schema: BooleanSetting = TOGGLES[name];
  const on = schema["x-cli-flag"] ?? kebab(name);
  return { name, on, off: schema["x-cli-off-flag"] ?? `no-${on}` };
});

/** Every limit has a flag named after it: maxMessageBytes → --max-message-bytes. */
const LIMIT_FLAGS = Object.fromEntries(LIMIT_NAMES.map((name) => [kebab(name), name])) as Record<string, LimitName>;

export const SETTING_OPTIONS: Options = {
  id: { type: "string" },
  name: { type: "string" },
  key: { type: "string" },
  secret: { type: "string" },
  cluster: { type: "string" },
  json: { type: "boolean" },
  add: { type: "boolean" },
  revoke: { type: "string" },
  ...Object.fromEntries(TOGGLE_FLAGS.flatMap(({ on, off }) => [[on, { type: "boolean" }], [off, { type: "boolean" }]])),
  ...Object.fromEntries(Object.keys(LIMIT_FLAGS).map((f) => [f, { type: "string" }])),
};

/** Usage lines wrapped before 120 columns, continuation lines indented under the first option. */
function usage(command: string, options: string[]): string {
  const indent = " ".repeat(command.length + 3);
  const lines = [`  ${command}`];
  for (const option of options) {
    if (lines.at(-1)!.length + 1 + option.length > 118) lines.push(indent.slice(1));
    lines[lines.length - 1] += ` ${option}`;
  }
  return lines.join("\n");
}

// On create only the flag that changes a toggle's default applies: [--client-events], [--disabled].
const CREATE_TOGGLES = TOGGLE_FLAGS.map(({ name, on, off }) => `[--${DEFAULT_TOGGLES[name] ? off : on}]`);
const UPDATE_TOGGLES = TOGGLE_FLAGS.map(({ on, off }) => `[--${on}|--${off}]`);

export const APPS_HELP = `Usage: mawjly apps <create|list|show|update|delete> [options] [--data-dir DIR]

${usage("apps create", ["--name N", "[--id ID]", "[--key K]", "[--secret S]", "[--cluster C]", ...CREATE_TOGGLES, "[--<limit> N]", "[--json]"])}
  apps list [--json]
  apps show ID_OR_KEY [--json]
${usage("apps update", ["ID_OR_KEY", "[--name N]", "[--key K]", "[--secret S]", ...UPDATE_TOGGLES, "[--<limit> N]", "[--json]"])}
  apps delete ID_OR_KEY
  apps keys ID_OR_KEY                 list the active key pairs
  apps keys ID_OR_KEY --add           add a key pair (both pairs work until one is revoked)
  apps keys ID_OR_KEY --revoke KEY    revoke a key pair; its connections are closed (4009)

Limits (0 max-connections = unlimited): ${Object.keys(LIMIT_FLAGS).map((f) => `--${f}`).join(", ")}`;

/** The settings that parsed flags ask for (exported for the test that walks every setting). */
export function settingsFrom(values: Record<string, unknown>): AppSettingsInput {
  const input: AppSettingsInput = {};
  for (const field of ["name", "key", "secret", "cluster"] as const) {
    if (values[field] !== undefined) input[field] = values[field] as string;
  }
  for (const { name, on, off } of TOGGLE_FLAGS) {
    if (values[on] && values[off]) throw new UsageError(`apps: --${on} and --${off} contradict each other`);
    if (values[on]) input[name] = true;
    if (values[off]) input[name] = false;
  }
  const limits: Partial<AppLimits> = {};
  for (const [flag, name] of Object.entries(LIMIT_FLAGS)) {
    const value = integerFlag(flag, values[flag]);
    if (value !== undefined) limits[name] = value;
  }
  if (Object.keys(limits).length > 0) input.limits = limits;
  return input;
}

export async function appsCommand(argv: string[]): Promise<void> {
  const given = subcommand(argv, "apps", ["create", "list", "show", "update", "delete", "keys"]);
  if (given === undefined) return void console.log(APPS_HELP);
  const { sub, rest } = given;
  const { values, positionals } = parse(rest, SETTING_OPTIONS, `apps ${sub}`);
  if (values.help) return void console.log(APPS_HELP);
  await withStore(values, (db, choice) => run(new AppService(new AppStore(db)), sub, values, positionals, dataDirHint(choice)));
  // Accepted (migrations from Pusher/soketi keep their secrets), but said once the change is made.
  const secret = values.secret;
  if (typeof secret === "string" && secret.length < WEAK_SECRET_LENGTH) {
    console.error(`mawjly: warning: the secret is shorter than ${WEAK_SECRET_LENGTH} characters and easy to guess; prefer a long random one`);
  }
}

async function run(apps: AppService, sub: string, values: Record<string, unknown>, positionals: string[], hint: string): Promise<void> {
  const json = values.json === true;
  const target = () => {
    if (positionals.length !== 1) throw new UsageError(`apps ${sub}: give exactly one app id or key`);
    return positionals[0]!;
  };
  switch (sub) {
    case "create": {
      if (positionals.length > 0) throw new UsageError(`apps create: unexpected argument '${positionals[0]}'`);
      if (typeof values.name !== "string") throw new UsageError("apps create: --name is required");
      return print(await apps.create({ ...settingsFrom(values), name: values.name, id: values.id as string | undefined }), json);
    }
    case "list": {
      const list = await apps.list();
      if (json) return void console.log(JSON.stringify(list, null, 2));
      if (list.length === 0) return void console.log(`No apps yet. Create one: mawjly apps create --name NAME${hint}`);
      for (const app of list) console.log(`${app.id}\t${app.key}\t${app.enabled ? "enabled " : "disabled"}\t${app.name}`);
      return;
    }
    case "show":
      return print(await apps.get(target()), json);
    case "update": {
      if (values.id !== undefined) throw new UsageError("apps update: an app's id cannot be changed");
      const input = settingsFrom(values);
      if (Object.keys(input).length === 0) throw new UsageError("apps update: nothing to change (see 'mawjly apps --help')");
      return print(await apps.update(target(), input), json);
    }
    case "delete": {
      const app = await apps.delete(target());
      return void console.log(`Deleted app ${app.id} (${app.name})`);
    }
    case "keys": {
      const id = target();
      if (values.add) {
        const pair = await apps.addKey((await apps.get(id)).id);
        return void console.log(json ? JSON.stringify(pair) : `Added key ${pair.key}\nsecret  ${pair.secret}`);
      }
      if (typeof values.revoke === "string") {
        await apps.revokeKey((await apps.get(id)).id, values.revoke);
        return void console.log(`Revoked key ${values.revoke}`);
      }
      const keys = (await apps.get(id)).keys;
      if (json) return void console.log(JSON.stringify(keys));
      for (const pair of keys) console.log(`${pair.key}\t${pair.secret}\t${pair.createdAt}`);
      return;
    }
    default:
      throw new UsageError(`apps: unknown subcommand '${sub}' (use create, list, show, update, delete or keys)`);
  }
}

function print(app: App, json: boolean): void {
  if (json) return void console.log(JSON.stringify(app));
  const limits = Object.entries(app.limits).map(([k, v]) => `${k}=${v}`).join(" ");
  // `enabled` has its own line above.
  const toggles = TOGGLE_NAMES.filter((name) => name !== "enabled").map((name) => `${name}=${app[name]}`).join(" ");
  console.log(`app_id     ${app.id}
name       ${app.name}
key        ${app.key}
secret     ${app.secret}
cluster    ${app.cluster}
enabled    ${app.enabled}
settings   ${toggles}
limits     ${limits}`);
}
