/**
 * Where webhooks may go (MAWJLY_WEBHOOK_ALLOW_PRIVATE). A tenant's webhook must not reach the
 * server's own network (internal services, cloud metadata) nor turn "send test" into a port scanner:
 * - unset (the default): apps of admins and apps without an owner (made with the CLI) may target
 *   private addresses, e.g. the customer's app on the same host; apps of other accounts may not;
 * - `1`: every app may; `0`: no app may (multi-tenant servers).
 * Where refused, the URL's host is checked when the endpoint is added or changed (a literal address
 * or `localhost`), and every request resolves the name once, refuses it if ANY address is private
 * (addresses.ts), then connects to exactly that checked address, keeping the Host header and the TLS
 * server name of the URL: a DNS answer that changes between check and connect (rebinding) cannot
 * redirect the request. Redirects are never followed (sender.ts).
 */
import { lookup } from "node:dns/promises";
import type { AppDirectory } from "../engine/app";
import { isAddressLiteral, isPrivateAddress } from "./addresses";
import type { SendResult, WebhookSender } from "./sender";

/** Why an app may not target private addresses (the end of the refusal line), or undefined if it may. */
export type PrivateRule = (appId: string) => string | undefined;

/** A sender that knows whose webhook it sends, so the rule of that app applies. */
export type AppSender = (appId: string, url: string, headers: Record<string, string>, body: string, timeoutMs: number, stop?: AbortSignal) => Promise<SendResult>;

export type Resolver = (hostname: string) => Promise<string[]>;

const ALLOWED: PrivateRule = () => undefined;

/**
 * The rule for a setting of MAWJLY_WEBHOOK_ALLOW_PRIVATE (undefined = unset). `ownerIsAdmin` is asked
 * at each check, so a promotion or demotion applies from the next request.
 */
export function privateRule(setting: number | undefined, apps: AppDirectory, ownerIsAdmin: (accountId: string) => boolean = () => false): PrivateRule {
  if (setting === 1) return ALLOWED;
  if (setting === 0) return () => "this server sets MAWJLY_WEBHOOK_ALLOW_PRIVATE=0";
  const isAdmin = (accountId: string) => {
    try {
      return ownerIsAdmin(accountId);
    } catch {
      return false; // e.g. the account was deleted a moment ago: not an admin
    }
  };
  return (appId) => {
    const owner = apps.byId(appId)?.accountId ?? null;
    if (owner === null || isAdmin(owner)) return undefined;
    return "only admins' apps may target private addresses on this server; MAWJLY_WEBHOOK_ALLOW_PRIVATE=1 allows every app";
  };
}

function refusal(host: string, address: string, why: string): string {
  const bare = host.replace(/^\[|\]$/g, "");
  const what = address === bare ? `${host} is a private address` : `${host} resolves to ${address}, a private address`;
  return `refused: ${what} (${why})`;
}

/**
 * At add/update: the refusal line for a URL whose host is written as a private address or is
 * `localhost`, else undefined. Other names are checked when resolved, at every request.
 */
export function refusedUrl(url: string, appId: string, rule: PrivateRule): string | undefined {
  const why = rule(appId);
  if (why === undefined) return undefined;
  const host = new URL(url).hostname;
  const name = host.replace(/\.$/, "");
  if (name === "localhost" || name.endsWith(".localhost")) return `refused: ${host} is a loopback name (${why})`;
  if (isAddressLiteral(host) && isPrivateAddress(host)) return refusal(host, host.replace(/^\[|\]$/g, ""), why);
  return undefined;
}

const systemResolver: Resolver = async (hostname) => (await lookup(hostname, { all: true, verbatim: true })).map((a) => a.address);

/** Wraps a sender so that each app's rule holds for every request, deliveries and test sends alike. */
export function guardTargets(send: WebhookSender, rule: PrivateRule, resolve: Resolver = systemResolver): AppSender {
  return async (appId, url, headers, body, timeoutMs, stop) => {
    const why = rule(appId);
    if (why === undefined) return send(url, headers, body, timeoutMs, stop);
    const started = performance.now();
    const refused = (error: string): SendResult => ({ ok: false, status: null, latencyMs: Math.round(performance.now() - started), error });
    const host = new URL(url).hostname;
    const bare = host.replace(/^\[|\]$/g, "");
    let addresses: string[];
    try {
      addresses = isAddressLiteral(host) ? [bare] : await within(resolve(bare), timeoutMs, stop);
    } catch (err) {
      return refused(`cannot resolve ${host}: ${(err as Error).message}`);
    }
    if (addresses.length === 0) return refused(`cannot resolve ${host}: no addresses`);
    const bad = addresses.find(isPrivateAddress);
    if (bad !== undefined) return refused(refusal(host, bad, why));
    const left = Math.max(1, timeoutMs - (performance.now() - started));
    return send(url, headers, body, left, stop, addresses[0]);
  };
}

/** The lookup, bounded by the request timeout and the stop signal (a dead DNS server can take seconds). */
function within<T>(promise: Promise<T>, ms: number, stop?: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const fail = (message: string) => () => reject(new Error(message));
    const timer = setTimeout(fail(`timed out after ${ms} ms`), ms);
    const aborted = fail("aborted: server stopping");
    stop?.addEventListener("abort", aborted, { once: true });
    promise.then(resolve, reject).finally(() => {
      clearTimeout(timer);
      stop?.removeEventListener("abort", aborted);
    });
  });
}
