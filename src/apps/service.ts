/**
 * Creating, changing and deleting apps: the one place the CLI, the management API and the dashboard
 * go through. Generated ids are 7-digit numbers like Pusher's (6855671); keys and secrets are 20
 * random bytes as hex. Custom ids/keys/secrets are accepted so soketi users can migrate.
 */
import { randomBytes, randomInt } from "node:crypto";
import { Type, type Static } from "@sinclair/typebox";
import { Value } from "@sinclair/typebox/value";
import { App, AppLimits, DEFAULT_LIMITS } from "../engine/app";
import { ServiceError } from "../errors";
import type { SqliteAppStore } from "./sqlite-store";

const ID = /^[A-Za-z0-9_-]{1,64}$/;
// Keys appear in the WebSocket path and before the ':' of every auth string.
const KEY = /^[A-Za-z0-9_.-]{1,128}$/;
const SECRET = /^[\x21-\x7e]{8,128}$/;

export const AppSettingsInput = Type.Partial(
  Type.Object({
    name: Type.String({ minLength: 1, maxLength: 200 }),
    cluster: Type.String({ pattern: "^[A-Za-z0-9_-]{1,64}$" }),
    key: Type.String(),
    secret: Type.String(),
    enabled: Type.Boolean(),
    clientEvents: Type.Boolean(),
    userAuth: Type.Boolean(),
    subscriptionCount: Type.Boolean(),
    lenientEventNames: Type.Boolean(),
    watchlistEvents: Type.Boolean(),
    limits: Type.Partial(AppLimits),
  }),
  { additionalProperties: false },
);
export type AppSettingsInput = Static<typeof AppSettingsInput>;

export const CreateAppInput = Type.Composite([
  Type.Object({ name: Type.String({ minLength: 1, maxLength: 200 }), id: Type.Optional(Type.String()) }),
  Type.Omit(AppSettingsInput, ["name"]),
]);
export type CreateAppInput = Static<typeof CreateAppInput>;

export class AppService {
  /** Called after every committed change, with the app id (cache invalidation). */
  onChange: (id: string) => void = () => {};

  constructor(
    private readonly store: SqliteAppStore,
    private readonly now: () => Date = () => new Date(),
  ) {}

  list(): App[] {
    return this.store.list();
  }

  /** By id, or by key when no app has that id. */
  get(idOrKey: string): App {
    const app = this.store.byId(idOrKey) ?? this.store.byKey(idOrKey);
    if (app === undefined) throw new ServiceError("not_found", `No app with id or key '${idOrKey}'`);
    return app;
  }

  create(input: CreateAppInput): App {
    checkShape(input.limits);
    const stamp = this.now().toISOString();
    const app = this.store.transaction(() => {
      const id = input.id ?? this.freeId();
      if (!ID.test(id)) throw invalid(`Invalid app id '${id}': use 1–64 characters from A-Z a-z 0-9 _ -`);
      if (this.store.byId(id) !== undefined) throw new ServiceError("conflict", `An app with id '${id}' already exists`);
      const draft: App = {
        id,
        key: randomBytes(20).toString("hex"),
        secret: randomBytes(20).toString("hex"),
        name: input.name,
        cluster: "sa",
        enabled: true,
        clientEvents: false,
        userAuth: false,
        subscriptionCount: false,
        lenientEventNames: false,
        watchlistEvents: false,
        limits: { ...DEFAULT_LIMITS },
        createdAt: stamp,
        updatedAt: stamp,
      };
      const created = this.apply(draft, input);
      this.store.insert(created);
      return created;
    });
    this.onChange(app.id);
    return app;
  }

  update(idOrKey: string, patch: AppSettingsInput): App {
    checkShape(patch.limits);
    const app = this.store.transaction(() => {
      const current = this.get(idOrKey);
      const next = this.apply({ ...current, updatedAt: this.now().toISOString() }, patch);
      this.store.update(next);
      return next;
    });
    this.onChange(app.id);
    return app;
  }

  delete(idOrKey: string): App {
    const app = this.store.transaction(() => {
      const current = this.get(idOrKey);
      this.store.delete(current.id);
      return current;
    });
    this.onChange(app.id);
    return app;
  }

  /** Applies validated settings; checks key uniqueness (inside the caller's transaction). */
  private apply(app: App, input: AppSettingsInput): App {
    const next: App = { ...app, limits: { ...app.limits, ...input.limits } };
    for (const field of ["name", "cluster", "enabled", "clientEvents", "userAuth", "subscriptionCount", "lenientEventNames", "watchlistEvents"] as const) {
      if (input[field] !== undefined) (next as Record<string, unknown>)[field] = input[field];
    }
    if (input.key !== undefined) {
      if (!KEY.test(input.key)) throw invalid(`Invalid key '${input.key}': use 1–128 characters from A-Z a-z 0-9 _ . -`);
      const owner = this.store.byKey(input.key);
      if (owner !== undefined && owner.id !== app.id) throw new ServiceError("conflict", `The key '${input.key}' is already used by another app`);
      next.key = input.key;
    }
    if (input.secret !== undefined) {
      if (!SECRET.test(input.secret)) throw invalid("Invalid secret: use 8–128 printable characters without spaces");
      next.secret = input.secret;
    }
    const problem = firstError(App, next);
    if (problem !== null) throw invalid(`Invalid app settings: ${problem}`);
    return next;
  }

  private freeId(): string {
    for (;;) {
      const id = String(randomInt(1_000_000, 10_000_000));
      if (this.store.byId(id) === undefined) return id;
    }
  }
}

function invalid(message: string): ServiceError {
  return new ServiceError("invalid", message);
}

function checkShape(limits: unknown): void {
  if (limits === undefined) return;
  const problem = firstError(Type.Partial(AppLimits, { additionalProperties: false }), limits);
  if (problem !== null) throw invalid(`Invalid limits: ${problem}`);
}

/** The first schema violation as "path: message", for one clear line. */
function firstError(schema: Parameters<typeof Value.Errors>[0], value: unknown): string | null {
  const first = Value.Errors(schema, value).First();
  if (first === undefined) return null;
  const path = first.path.replace(/^\//, "").replaceAll("/", ".") || "value";
  return `${path}: ${first.message}`;
}
