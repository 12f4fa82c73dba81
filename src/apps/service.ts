/**
 * Creating, changing and deleting apps: the one place the CLI, the management API and the dashboard
 * go through. Generated ids are 7-digit numbers like Pusher's (6855671); keys and secrets are 20
 * random bytes as hex. Custom ids/keys/secrets are accepted so soketi users can migrate.
 */
import { randomBytes, randomInt } from "node:crypto";
import { DEFAULT_LIMITS, DEFAULT_TOGGLES, LIMIT_NAMES, LIMITS, TOGGLE_NAMES, type App, type AppKey, type LimitName } from "../engine/app";
import { ServiceError } from "../errors";
import type { AppSettingsInput, CreateAppInput } from "./schema";
import type { AppStore } from "./store";

const ID = /^[A-Za-z0-9_-]{1,64}$/;
// Keys appear in the WebSocket path and before the ':' of every auth string.
const KEY = /^[A-Za-z0-9_.-]{1,128}$/;
// Any length from 1, like Pusher and soketi, so users migrating keep their secrets (the CLI warns
// about short ones); no whitespace or control characters, which configs and env files mangle.
const SECRET = /^[\x21-\x7e]{1,128}$/;
/** Below this a secret is weak; accepted, with a warning where a person chose it. */
export const WEAK_SECRET_LENGTH = 8;

/** A limit's allowed range, from the settings table (the single source). */
export function limitRange(name: LimitName): { min: number; max: number } {
  return { min: LIMITS[name].minimum, max: LIMITS[name].maximum };
}

export type { AppSettingsInput, CreateAppInput } from "./schema";

/** The schemas and TypeBox, loaded on the first write: a node serving only sockets never needs them (src/engine/app.ts). */
type Schemas = typeof import("./schema");
const loadSchemas = (): Promise<Schemas> => import("./schema"); // the runtime keeps the loaded module

export interface AppServiceHooks {
  /**
   * The plan's app cap for an account (0 = unlimited); operator apps (no account) are never capped.
   * Asked before the transaction opens: on SQLite, a read outside it would wait for it to end.
   */
  maxAppsFor(accountId: string): number | Promise<number>;
}

export class AppService {
  /** Called after every committed change, with the app id (cache refresh, live sockets); awaited. */
  onChange: (id: string) => void | Promise<void> = () => {};

  constructor(
    private readonly store: AppStore,
    private readonly hooks: AppServiceHooks = { maxAppsFor: () => 0 },
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** Every app, or one account's. */
  list(accountId?: string): Promise<App[]> {
    return this.store.list(accountId);
  }

  /** By id, or by any active key when no app has that id. */
  get(idOrKey: string): Promise<App> {
    return find(this.store, idOrKey);
  }

  async create(input: CreateAppInput, owner: { accountId: string | null } = { accountId: null }): Promise<App> {
    const schema = await loadSchemas();
    checkShape(schema, input.limits);
    const stamp = this.now().toISOString();
    const max = owner.accountId === null ? 0 : await this.hooks.maxAppsFor(owner.accountId);
    const app = await this.store.transaction(async (store) => {
      await store.lockForWrite();
      if (owner.accountId !== null && max > 0 && (await store.countFor(owner.accountId)) >= max) {
        throw new ServiceError("forbidden", `Your plan allows ${max} ${max === 1 ? "app" : "apps"}; delete an app or upgrade your plan to create another`);
      }
      const id = input.id ?? (await freeId(store));
      if (!ID.test(id)) throw invalid(`Invalid app id '${id}': use 1–64 characters from A-Z a-z 0-9 _ -`);
      if ((await store.byId(id)) !== undefined) throw new ServiceError("conflict", `An app with id '${id}' already exists`);
      const key = input.key ?? randomBytes(20).toString("hex");
      const secret = input.secret ?? randomBytes(20).toString("hex");
      checkKey(key);
      checkSecret(secret);
      if (await store.keyTaken(key)) throw new ServiceError("conflict", `The key '${key}' is already used by another app`);
      const draft: App = {
        id,
        key,
        secret,
        keys: [{ key, secret, createdAt: stamp }],
        accountId: owner.accountId,
        name: input.name,
        cluster: "sa",
        ...DEFAULT_TOGGLES,
        limits: { ...DEFAULT_LIMITS },
        createdAt: stamp,
        updatedAt: stamp,
      };
      const created = this.apply(schema, draft, { ...input, key: undefined, secret: undefined });
      await store.insert(created);
      return created;
    });
    await this.onChange(app.id);
    return app;
  }

  async update(idOrKey: string, patch: AppSettingsInput): Promise<App> {
    const schema = await loadSchemas();
    checkShape(schema, patch.limits);
    const app = await this.store.transaction(async (store) => {
      await store.lockForWrite();
      const current = await find(store, idOrKey);
      const next = this.apply(schema, { ...current, updatedAt: this.now().toISOString() }, patch);
      await store.update(next);
      // --key / --secret change the primary pair in place (migrating from soketi keeps one pair).
      if (patch.key !== undefined && patch.key !== current.key) {
        checkKey(patch.key);
        if (await store.keyTaken(patch.key)) throw new ServiceError("conflict", `The key '${patch.key}' is already used by another app`);
        await store.renameKey(current.id, current.key, patch.key);
      }
      if (patch.secret !== undefined) {
        checkSecret(patch.secret);
        await store.setSecret(current.id, patch.key ?? current.key, patch.secret);
      }
      return find(store, current.id);
    });
    await this.onChange(app.id);
    return app;
  }

  async delete(idOrKey: string): Promise<App> {
    const app = await this.store.transaction(async (store) => {
      const current = await find(store, idOrKey);
      await store.delete(current.id);
      return current;
    });
    await this.onChange(app.id);
    return app;
  }

  /** Adds a generated key pair; connections and API requests may use it at once. */
  async addKey(appId: string): Promise<AppKey> {
    const pair = await this.store.transaction(async (store) => {
      const app = await find(store, appId);
      // Pairs are ordered by creation time (the oldest active one is the primary): a new pair is
      // always later than the app's others, even within the same millisecond.
      let at = this.now().getTime();
      for (const k of app.keys) at = Math.max(at, Date.parse(k.createdAt) + 1);
      const added: AppKey = { key: randomBytes(20).toString("hex"), secret: randomBytes(20).toString("hex"), createdAt: new Date(at).toISOString() };
      await store.addKey(app.id, added);
      return added;
    });
    await this.onChange(appId);
    return pair;
  }

  /** Revokes a pair; sockets that connected with it are closed (4009) by the engine's reload. */
  async revokeKey(appId: string, key: string): Promise<void> {
    await this.store.transaction(async (store) => {
      await store.lockForWrite(); // two revokes at once must not leave an app without a key
      const app = await find(store, appId);
      if (!app.keys.some((k) => k.key === key)) throw new ServiceError("not_found", `App ${appId} has no active key '${key}'`);
      if (app.keys.length === 1) throw invalid("Cannot revoke the only active key: add another key pair first");
      await store.revokeKey(app.id, key, this.now().toISOString());
    });
    await this.onChange(appId);
  }

  /** Applies validated settings (not credentials). */
  private apply(schema: Schemas, app: App, input: AppSettingsInput): App {
    const next: App = { ...app, limits: { ...app.limits, ...input.limits } };
    for (const field of ["name", "cluster", ...TOGGLE_NAMES] as const) {
      if (input[field] !== undefined) (next as Record<string, unknown>)[field] = input[field];
    }
    // Names are printed by the CLI and shown in terminals: no control characters (escape sequences).
    if (/[\u0000-\u001f\u007f]/.test(next.name)) throw invalid("Invalid app name: control characters are not allowed");
    checkRanges(next.limits);
    const problem = schema.firstError(schema.App, next);
    if (problem !== null) throw invalid(`Invalid app settings: ${problem}`);
    return next;
  }
}

/** By id, or by any active key when no app has that id. */
async function find(store: AppStore, idOrKey: string): Promise<App> {
  const app = (await store.byId(idOrKey)) ?? (await store.byKey(idOrKey));
  if (app === undefined) throw new ServiceError("not_found", `No app with id or key '${idOrKey}'`);
  return app;
}

async function freeId(store: AppStore): Promise<string> {
  for (;;) {
    const id = String(randomInt(1_000_000, 10_000_000));
    if ((await store.byId(id)) === undefined) return id;
  }
}

/**
 * What an account (not an admin) may not do to its own apps: choose credentials (a chosen key could
 * be one that other clients still use), or raise a limit above the default (limits protect the
 * server; only the operator raises them). Lowering limits is always allowed. A new limit is capped
 * unless it is named here: the plan caps connections, and the other two protect only the app itself.
 */
const TENANT_MAY_RAISE: ReadonlySet<LimitName> = new Set(["maxConnections", "apiRequestsPerSecond", "userAuthTimeout"]);
const TENANT_CAPPED = LIMIT_NAMES.filter((name) => !TENANT_MAY_RAISE.has(name));

export function checkTenantInput(input: AppSettingsInput): void {
  if (input.key !== undefined || input.secret !== undefined) {
    throw new ServiceError("forbidden", "Only an admin can choose an app's key or secret; add a generated key pair instead");
  }
  for (const name of TENANT_CAPPED) {
    const value = input.limits?.[name];
    if (value !== undefined && value > DEFAULT_LIMITS[name]) {
      throw new ServiceError("forbidden", `Only an admin can raise ${name} above ${DEFAULT_LIMITS[name]}`);
    }
  }
}

function checkKey(key: string): void {
  if (!KEY.test(key)) throw invalid(`Invalid key '${key}': use 1–128 characters from A-Z a-z 0-9 _ . -`);
}

function checkSecret(secret: string): void {
  if (!SECRET.test(secret)) throw invalid("Invalid secret: use 1–128 printable characters without spaces");
}

function invalid(message: string): ServiceError {
  return new ServiceError("invalid", message);
}

function checkShape(schema: Schemas, limits: unknown): void {
  if (limits === undefined) return;
  if (typeof limits === "object" && limits !== null) checkRanges(limits as Record<string, unknown>);
  const problem = schema.firstError(schema.PartialLimits, limits);
  if (problem !== null) throw invalid(`Invalid limits: ${problem}`);
}

/** Every known limit present is a whole number within its range; the first one that is not is named. */
function checkRanges(limits: Partial<Record<LimitName, unknown>>): void {
  for (const name of LIMIT_NAMES) {
    const value = limits[name];
    if (value === undefined) continue;
    const { min, max } = limitRange(name);
    if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
      throw invalid(`Invalid ${name} ${JSON.stringify(value)}: use a whole number from ${min} to ${max}`);
    }
  }
}
