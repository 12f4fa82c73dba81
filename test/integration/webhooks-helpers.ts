/**
 * Webhook test helpers: a receiver (Bun.serve on a free port) that checks every request with the
 * official `pusher` SDK's webhook().isValid(), and a data directory prepared through the real CLI
 * before the server starts, so endpoints are live from the first event.
 *
 * PostgreSQL mode (MAWJLY_TEST_STORE=postgres, support/store-mode.ts): `newDataDir()` also creates a
 * database; the CLI helpers and `storeEnv(dir)` (for the server) point at it, and the direct reads
 * (outbox rows, log outcomes) go through psql.
 */
import { Database } from "bun:sqlite";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Pusher from "pusher";
import type { App } from "../../src/engine/app";
import { BUN, MAIN } from "../support/server";
import { testDatabaseUrl } from "../support/store-mode";

/** The database of each data dir made by newDataDir in PostgreSQL mode. */
const databases = new Map<string, string>();

/** Reads of `dataDir` (outboxRows, logOutcomes) go to this PostgreSQL database (a cluster's, made elsewhere). */
export function attachDatabase(dataDir: string, databaseUrl: string | undefined): void {
  if (databaseUrl !== undefined) databases.set(dataDir, databaseUrl);
}

/** The environment that points a server or command at the data dir's store (empty on SQLite). */
export function storeEnv(dataDir: string): Record<string, string> {
  const url = databases.get(dataDir);
  return url === undefined ? {} : { MAWJLY_DATABASE_URL: url };
}

/** Short timings so the suite runs in seconds; see src/webhooks/config.ts for the meaning of each. */
export const FAST_ENV: Record<string, string> = {
  MAWJLY_WEBHOOK_DELAY_MS: "300",
  MAWJLY_WEBHOOK_TIMEOUT_MS: "1000",
  MAWJLY_WEBHOOK_BACKOFF_MS: "50",
  MAWJLY_WEBHOOK_BACKOFF_MAX_MS: "200",
  MAWJLY_WEBHOOK_RETRY_PERIOD_MS: "60000",
  MAWJLY_WEBHOOK_POLL_MS: "100",
  // PostgreSQL: a killed node's claims lapse this soon, so its restart (a new node id) resumes quickly.
  MAWJLY_WEBHOOK_CLAIM_MS: "2000",
};

export interface ReceivedWebhook {
  at: number;
  valid: boolean;
  contentType: string | null;
  key: string | null;
  rawBody: string;
  body: { time_ms: number; events: Record<string, any>[] };
  status: number;
}

/** What the receiver answers; `n` counts requests from 1. Return a never-settling promise to hang. */
export type Responder = (n: number, webhook: ReceivedWebhook) => Response | Promise<Response>;

export class Receiver {
  readonly requests: ReceivedWebhook[] = [];
  private server: ReturnType<typeof Bun.serve> | undefined;
  private waiters: (() => void)[] = [];
  private readonly verifiers = new Map<string, Pusher>();
  respond: Responder = () => new Response("ok");

  constructor(readonly port = 0) {}

  start(): this {
    this.server = Bun.serve({
      hostname: "127.0.0.1",
      port: this.port,
      idleTimeout: 0,
      fetch: async (request) => {
        const rawBody = await request.text();
        const headers = Object.fromEntries(request.headers) as Record<string, string>;
        const key = request.headers.get("x-pusher-key");
        const verifier = key === null ? undefined : this.verifiers.get(key);
        const valid = verifier?.webhook({ headers, rawBody }).isValid() ?? false;
        let body: ReceivedWebhook["body"];
        try {
          body = JSON.parse(rawBody);
        } catch {
          body = { time_ms: NaN, events: [] };
        }
        const webhook: ReceivedWebhook = { at: Date.now(), valid, contentType: request.headers.get("content-type"), key, rawBody, body, status: 0 };
        const response = await this.respond(++this.received, webhook);
        webhook.status = response.status;
        this.requests.push(webhook);
        for (const wake of this.waiters.splice(0)) wake();
        return response;
      },
    });
    return this;
  }

  /** Requests seen, including those still being answered. */
  received = 0;

  /** Accepts signatures of this app (webhooks are signed with its primary key pair). */
  trust(app: App): this {
    this.verifiers.set(app.key, new Pusher({ appId: app.id, key: app.key, secret: app.secret, host: "127.0.0.1" }));
    return this;
  }

  get url(): string {
    return `http://127.0.0.1:${this.server?.port ?? this.port}/webhooks`;
  }

  get boundPort(): number {
    return this.server!.port!;
  }

  /** Events of requests answered 2xx, in arrival order. */
  delivered(): Record<string, any>[] {
    return this.requests.filter((r) => r.status >= 200 && r.status < 300).flatMap((r) => r.body.events);
  }

  async until<T>(check: () => T | undefined | false, ms = 5000, what = "webhooks"): Promise<T> {
    const deadline = Date.now() + ms;
    for (;;) {
      const value = check();
      if (value !== undefined && value !== false) return value;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for ${what}; got ${JSON.stringify(this.delivered())}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, Math.min(left, 100));
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  /** Waits for a delivered event matching `match`. */
  event(match: (e: Record<string, any>) => boolean, ms = 5000, what = "a webhook event"): Promise<Record<string, any>> {
    return this.until(() => this.delivered().find(match), ms, what);
  }

  stop(): void {
    this.server?.stop(true);
  }
}

export function cliIn(dataDir: string, args: string[], env: Record<string, string> = {}) {
  const r = Bun.spawnSync([BUN, MAIN, ...args, "--data-dir", dataDir], { env: { ...process.env, ...storeEnv(dataDir), ...env } });
  return { code: r.exitCode, stdout: r.stdout.toString(), stderr: r.stderr.toString() };
}

/** cliIn without blocking this process: use it when a receiver in this process must answer the command. */
export async function cliAsync(dataDir: string, args: string[], env: Record<string, string> = {}) {
  const p = Bun.spawn([BUN, MAIN, ...args, "--data-dir", dataDir], { env: { ...process.env, ...storeEnv(dataDir), ...env }, stdout: "pipe", stderr: "pipe" });
  const [stdout, stderr, code] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited]);
  return { code, stdout, stderr };
}

/** A temporary data dir with a database (or a PostgreSQL one): the management commands never create one. */
export async function newDataDir(): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), "mawjly-webhooks-"));
  const url = await testDatabaseUrl();
  if (url !== undefined) databases.set(dir, url);
  Bun.spawnSync([BUN, MAIN, "migrate", "--data-dir", dir], { env: { ...process.env, ...storeEnv(dir) } });
  return dir;
}

/** Rows of a query, read synchronously (a helper polled inside sync conditions): SQLite file or psql. */
function query<T>(dataDir: string, sql: string, params: string[] = []): T[] {
  const url = databases.get(dataDir);
  if (url === undefined) {
    const db = new Database(join(dataDir, "mawjly.db"), { readonly: true });
    try {
      return db.query(sql).all(...params) as T[];
    } finally {
      db.close();
    }
  }
  // psql variables keep the parameters out of the SQL text (quoted as literals by psql).
  const vars = params.flatMap((p, i) => ["-v", `p${i}=${p}`]);
  const text = sql.replace(/\?/g, (() => {
    let i = 0;
    return () => `:'p${i++}'`;
  })());
  // From stdin: psql interpolates variables there, not in -c.
  const r = Bun.spawnSync(["psql", url, "-XAtq", "-v", "ON_ERROR_STOP=1", ...vars, "-f", "-"], {
    stdin: Buffer.from(`SELECT COALESCE(json_agg(t), '[]') FROM (${text}) t;`),
  });
  if (r.exitCode !== 0) throw new Error(`psql failed: ${r.stderr.toString()}`);
  return JSON.parse(r.stdout.toString()) as T[];
}

/** Creates an app through the CLI in a data dir (before or while a server uses it). */
export function createApp(dataDir: string, flags: string[] = []): App {
  const r = cliIn(dataDir, ["apps", "create", "--name", "webhooks test", "--json", ...flags]);
  if (r.code !== 0) throw new Error(`apps create failed: ${r.stderr}`);
  return JSON.parse(r.stdout) as App;
}

export function addEndpoint(dataDir: string, app: App, url: string, flags: string[] = []): { id: string } {
  const r = cliIn(dataDir, ["webhooks", "add", "--app", app.id, "--url", url, "--json", ...flags]);
  if (r.code !== 0) throw new Error(`webhooks add failed: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

/** Rows still in the outbox (read through a second SQLite connection, as an operator could). */
export function outboxRows(dataDir: string): { type: string; channel: string; attempts: number }[] {
  return query(dataDir, "SELECT type, channel, attempts FROM webhook_outbox ORDER BY seq");
}

/**
 * Outcomes in an app's delivery log, newest first, read directly (milliseconds). Use this, not the CLI,
 * to wait on the log: a synchronous CLI run blocks this process, and with it the receivers, which
 * would then miss the server's request timeout.
 */
export function logOutcomes(dataDir: string, appId: string): string[] {
  return query<{ outcome: string }>(dataDir, "SELECT outcome FROM webhook_log WHERE app_id = ? ORDER BY id DESC", [appId]).map((r) => r.outcome);
}
