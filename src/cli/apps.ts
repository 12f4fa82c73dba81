/**
 * `mawjly apps create|list|show|update|delete`. Talks to the same AppService as the server; a running
 * server notices the change within a second (AppChangeWatcher).
 */
import { AppService, WEAK_SECRET_LENGTH, type AppSettingsInput } from "../apps/service";
import { SqliteAppStore } from "../apps/sqlite-store";
import { DEFAULT_LIMITS, type App, type AppLimits } from "../engine/app";
import { integerFlag, parse, UsageError, type Options } from "./args";
import { dataDirHint, withDatabase } from "./store";

/** Boolean settings: `--flag` turns on, `--no-flag` turns off (update). */
const TOGGLES = {
  "client-events": "clientEvents",
  "user-auth": "userAuth",
  "subscription-count": "subscriptionCount",
  "lenient-event-names": "lenientEventNames",
  watchlist: "watchlistEvents",
} as const;

/** Every limit has a flag named after it: maxMessageBytes → --max-message-bytes. */
const LIMIT_FLAGS = Object.fromEntries(
  (Object.keys(DEFAULT_LIMITS) as (keyof AppLimits)[]).map((name) => [name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`), name]),
) as Record<string, keyof AppLimits>;

const SETTING_OPTIONS: Options = {
  id: { type: "string" },
  name: { type: "string" },
  key: { type: "string" },
  secret: { type: "string" },
  cluster: { type: "string" },
  disabled: { type: "boolean" },
  enabled: { type: "boolean" },
  json: { type: "boolean" },
  add: { type: "boolean" },
  revoke: { type: "string" },
  ...Object.fromEntries(Object.keys(TOGGLES).flatMap((f) => [[f, { type: "boolean" }], [`no-${f}`, { type: "boolean" }]])),
  ...Object.fromEntries(Object.keys(LIMIT_FLAGS).map((f) => [f, { type: "string" }])),
};

export const APPS_HELP = `Usage: mawjly apps <create|list|show|update|delete> [options] [--data-dir DIR]

  apps create --name N [--id ID] [--key K] [--secret S] [--cluster C] [--client-events] [--user-auth]
              [--subscription-count] [--watchlist] [--lenient-event-names] [--max-connections N] [--disabled] [--json]
  apps list [--json]
  apps show ID_OR_KEY [--json]
  apps update ID_OR_KEY [--name N] [--key K] [--secret S] [--enabled|--disabled] [--client-events|--no-client-events]
              [--user-auth|--no-user-auth] [--subscription-count|--no-subscription-count]
              [--watchlist|--no-watchlist] [--lenient-event-names|--no-lenient-event-names] [--<limit> N] [--json]
  apps delete ID_OR_KEY
  apps keys ID_OR_KEY                 list the active key pairs
  apps keys ID_OR_KEY --add           add a key pair (both pairs work until one is revoked)
  apps keys ID_OR_KEY --revoke KEY    revoke a key pair; its connections are closed (4009)

Limits (0 max-connections = unlimited): ${Object.keys(LIMIT_FLAGS).map((f) => `--${f}`).join(", ")}`;

function settings(values: Record<string, unknown>): AppSettingsInput {
  const input: AppSettingsInput = {};
  for (const field of ["name", "key", "secret", "cluster"] as const) {
    if (values[field] !== undefined) input[field] = values[field] as string;
  }
  if (values.disabled && values.enabled) throw new UsageError("apps: --enabled and --disabled contradict each other");
  if (values.disabled) input.enabled = false;
  if (values.enabled) input.enabled = true;
  for (const [flag, field] of Object.entries(TOGGLES)) {
    if (values[flag] && values[`no-${flag}`]) throw new UsageError(`apps: --${flag} and --no-${flag} contradict each other`);
    if (values[flag]) input[field] = true;
    if (values[`no-${flag}`]) input[field] = false;
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
  const [sub, ...rest] = argv;
  if (sub === undefined || sub === "--help" || sub === "-h" || sub === "help") return void console.log(APPS_HELP);
  const { values, positionals } = parse(rest, SETTING_OPTIONS, `apps ${sub}`);
  if (values.help) return void console.log(APPS_HELP);
  await withDatabase(values, (db, choice) => run(new AppService(new SqliteAppStore(db)), sub, values, positionals, dataDirHint(choice)));
  // Accepted (migrations from Pusher/soketi keep their secrets), but said once the change is made.
  const secret = values.secret;
  if (typeof secret === "string" && secret.length < WEAK_SECRET_LENGTH) {
    console.error(`mawjly: warning: the secret is shorter than ${WEAK_SECRET_LENGTH} characters and easy to guess; prefer a long random one`);
  }
}

function run(apps: AppService, sub: string, values: Record<string, unknown>, positionals: string[], hint: string): void {
  const json = values.json === true;
  const target = () => {
    if (positionals.length !== 1) throw new UsageError(`apps ${sub}: give exactly one app id or key`);
    return positionals[0]!;
  };
  switch (sub) {
    case "create": {
      if (positionals.length > 0) throw new UsageError(`apps create: unexpected argument '${positionals[0]}'`);
      if (typeof values.name !== "string") throw new UsageError("apps create: --name is required");
      return print(apps.create({ ...settings(values), name: values.name, id: values.id as string | undefined }), json);
    }
    case "list": {
      const list = apps.list();
      if (json) return void console.log(JSON.stringify(list, null, 2));
      if (list.length === 0) return void console.log(`No apps yet. Create one: mawjly apps create --name NAME${hint}`);
      for (const app of list) console.log(`${app.id}\t${app.key}\t${app.enabled ? "enabled " : "disabled"}\t${app.name}`);
      return;
    }
    case "show":
      return print(apps.get(target()), json);
    case "update": {
      if (values.id !== undefined) throw new UsageError("apps update: an app's id cannot be changed");
      const input = settings(values);
      if (Object.keys(input).length === 0) throw new UsageError("apps update: nothing to change (see 'mawjly apps --help')");
      return print(apps.update(target(), input), json);
    }
    case "delete": {
      const app = apps.delete(target());
      return void console.log(`Deleted app ${app.id} (${app.name})`);
    }
    case "keys": {
      const id = target();
      if (values.add) {
        const pair = apps.addKey(apps.get(id).id);
        return void console.log(json ? JSON.stringify(pair) : `Added key ${pair.key}\nsecret  ${pair.secret}`);
      }
      if (typeof values.revoke === "string") {
        apps.revokeKey(apps.get(id).id, values.revoke);
        return void console.log(`Revoked key ${values.revoke}`);
      }
      const keys = apps.get(id).keys;
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
  console.log(`app_id     ${app.id}
name       ${app.name}
key        ${app.key}
secret     ${app.secret}
cluster    ${app.cluster}
enabled    ${app.enabled}
settings   clientEvents=${app.clientEvents} userAuth=${app.userAuth} subscriptionCount=${app.subscriptionCount} watchlistEvents=${app.watchlistEvents} lenientEventNames=${app.lenientEventNames}
limits     ${limits}`);
}
