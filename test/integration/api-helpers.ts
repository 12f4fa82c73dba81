/**
 * Shared helpers for the api-*.test.ts and quota-*.test.ts files: a client for the management API
 * (/api/v1) that signs in like a browser (session cookie, Origin and X-CSRF-Token on changes) or
 * like a script (Bearer token), the first admin made through the one-time setup link the server
 * prints, accounts made by that admin, and tracked pusher-js clients that `cleanup()` disconnects.
 */
import { expect } from "bun:test";
import type PusherJS from "pusher-js";
import type { App } from "../../src/engine/app";
import { connectedClient, disconnectClients, trackedClient, waitFor } from "../support/clients";
import { BUN, MAIN, type TestServer } from "../support/server";

export { waitFor };

export const PASSWORD = "correct horse battery";

export interface Reply {
  status: number;
  body: any;
  headers: Headers;
}

export interface CallOptions {
  /** Origin header; session callers send the server's own origin unless this is null or another value. */
  origin?: string | null;
  /** X-CSRF-Token header; session callers send their token unless this is null or another value. */
  csrf?: string | null;
  /** A raw body sent as is (e.g. malformed JSON). */
  raw?: string;
  headers?: Record<string, string>;
}

/** Who calls the API: nobody, a browser session (cookie + CSRF token) or a personal API token. */
export class ApiClient {
  constructor(
    readonly server: TestServer,
    readonly auth: { cookie?: string; csrf?: string; bearer?: string } = {},
    /** The account behind the caller, when known. */
    readonly account: { id: string; email: string; planId: string; isAdmin: boolean } | undefined = undefined,
  ) {}

  async call(method: string, path: string, body?: unknown, opts: CallOptions = {}): Promise<Reply> {
    const headers: Record<string, string> = { ...opts.headers };
    if (body !== undefined || opts.raw !== undefined) headers["content-type"] = "application/json";
    if (this.auth.bearer !== undefined) headers.authorization = `Bearer ${this.auth.bearer}`;
    if (this.auth.cookie !== undefined) {
      headers.cookie = `mawjly_session=${this.auth.cookie}`;
      if (method !== "GET") {
        const origin = opts.origin === undefined ? this.server.url : opts.origin;
        const csrf = opts.csrf === undefined ? this.auth.csrf : opts.csrf;
        if (origin !== null) headers.origin = origin;
        if (csrf !== null && csrf !== undefined) headers["x-csrf-token"] = csrf;
      }
    }
    const res = await fetch(`${this.server.url}/api/v1${path}`, {
      method,
      headers,
      body: opts.raw ?? (body === undefined ? undefined : JSON.stringify(body)),
    });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      // Not JSON: kept as text so the assertion shows what came back.
    }
    return { status: res.status, body: parsed, headers: res.headers };
  }

  get(path: string, opts?: CallOptions) {
    return this.call("GET", path, undefined, opts);
  }
  post(path: string, body: unknown = {}, opts?: CallOptions) {
    return this.call("POST", path, body, opts);
  }
  patch(path: string, body: unknown, opts?: CallOptions) {
    return this.call("PATCH", path, body, opts);
  }
  delete(path: string, opts?: CallOptions) {
    return this.call("DELETE", path, undefined, opts);
  }

  /** The same caller authenticated with a fresh personal API token instead. */
  async withToken(name = "script"): Promise<ApiClient> {
    const created = await this.post("/tokens", { name });
    expect(created.status).toBe(201);
    return new ApiClient(this.server, { bearer: created.body.token }, this.account);
  }

  /** Creates an app through POST /apps and returns it with its secret. */
  async createApp(settings: Record<string, unknown> = {}): Promise<App> {
    const created = await this.post("/apps", { name: "api test app", ...settings });
    expect(created.status).toBe(201);
    return created.body as App;
  }
}

/** The error envelope every management API error uses. */
export function envelope(code: string, message: string) {
  return { error: { code, message } };
}

/** Asserts the exact status and the exact error envelope. */
export function expectError(reply: Reply, status: number, code: string, message: string): void {
  expect({ status: reply.status, body: reply.body }).toEqual({ status, body: envelope(code, message) });
}

/** Asserts the exact status and the exact body of a successful reply. */
export function expectReply(reply: Reply, status: number, body: unknown): void {
  expect({ status: reply.status, body: reply.body }).toEqual({ status, body });
}

/** The session cookie's value from a Set-Cookie header. */
export function sessionCookieOf(reply: Reply): string {
  const match = /mawjly_session=([^;]*)/.exec(reply.headers.get("set-cookie") ?? "");
  if (match === null) throw new Error(`no session cookie in ${reply.status} ${JSON.stringify(reply.body)}`);
  return match[1]!;
}

/** A browser-like client from a reply that opened a session (sign-in, sign-up, setup). */
export function sessionFrom(server: TestServer, reply: Reply): ApiClient {
  return new ApiClient(server, { cookie: sessionCookieOf(reply), csrf: reply.body.csrfToken }, reply.body.account);
}

/** The token of the one-time setup link the server printed at start. */
export function setupToken(server: TestServer): string {
  const match = /\/dashboard\/setup\?token=([A-Za-z0-9_-]+)/.exec(server.output());
  if (match === null) throw new Error(`no setup link in the server output:\n${server.output()}`);
  return match[1]!;
}

/** Completes the first-admin setup with the printed link's token; returns the admin's session. */
export async function setupAdmin(server: TestServer, email = "admin@example.com"): Promise<ApiClient> {
  const reply = await new ApiClient(server).post("/setup", { token: setupToken(server), email, password: PASSWORD });
  expect(reply.status).toBe(201);
  return sessionFrom(server, reply);
}

export async function signIn(server: TestServer, email: string, password = PASSWORD): Promise<ApiClient> {
  const reply = await new ApiClient(server).post("/session", { email, password });
  expect(reply.status).toBe(200);
  return sessionFrom(server, reply);
}

/** An account made by an admin through the API, signed in with a browser session. */
export async function newAccount(admin: ApiClient, email: string, extra: { planId?: string; isAdmin?: boolean } = {}): Promise<ApiClient> {
  const created = await admin.post("/accounts", { email, password: PASSWORD, ...extra });
  expect(created.status).toBe(201);
  return signIn(admin.server, email);
}

/** Runs a CLI command against the server's data dir; throws with stderr when it fails. */
export function cli(server: TestServer, args: string[]): string {
  const r = server.cli(args);
  if (r.code !== 0) throw new Error(`mawjly ${args.join(" ")} failed (${r.code}): ${r.stderr}`);
  return r.stdout;
}

/** `mawjly accounts create` with the password on standard input, as the CLI requires; returns the account. */
export function cliCreateAccount(server: TestServer, email: string, flags: string[] = []): { id: string; planId: string; isAdmin: boolean } {
  const r = server.cli(["accounts", "create", "--email", email, "--password-stdin", "--json", ...flags], `${PASSWORD}\n`);
  if (r.code !== 0) throw new Error(`accounts create failed (${r.code}): ${r.stderr}`);
  return JSON.parse(r.stdout);
}

/** Polls `probe` until `done` accepts its value (changes made by the CLI apply within 1 s). */
export { eventually } from "../support/wait";

export { connectedClient, trackedClient as client };

/** Disconnects every pusher-js client made with `client()`; register in afterEach. */
export const cleanup = disconnectClients;

/** Resolves once a pusher-js channel reports pusher:subscription_succeeded, with its data. */
export function subscribed(channel: { bind: (e: string, cb: (d: any) => void) => void }, ms = 5000): Promise<any> {
  return waitFor((cb) => channel.bind("pusher:subscription_succeeded", cb), ms, "subscription_succeeded");
}

/** Resolves with the next pusher-js connection error (e.g. {type: "PusherError", data: {code, message}}). */
export function nextError(c: PusherJS, ms = 5000): Promise<any> {
  return waitFor((cb) => c.connection.bind("error", cb), ms, "connection error");
}

/** Resolves when the pusher-js connection enters `state`. */
export function stateReached(c: PusherJS, state: string, ms = 5000): Promise<void> {
  if (c.connection.state === state) return Promise.resolve();
  return waitFor<void>((cb) => c.connection.bind(state, () => cb(undefined)), ms, `state ${state}`);
}
