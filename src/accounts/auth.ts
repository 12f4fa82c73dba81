/**
 * Who is calling: browser sessions (random token in an httpOnly SameSite=Lax cookie, stored hashed,
 * expiring, revocable) and personal API tokens (shown once, stored hashed, revocable). Login is
 * rate-limited per email and per IP. Cookie-authenticated state changes must pass a CSRF check:
 * same Origin and the session's CSRF token.
 */
import { randomBytes, randomUUID } from "node:crypto";
import type { Counters } from "../engine/ports";
import { RateLimiter } from "../adapters/rate-limit/rate-limit";
import { ServiceError } from "../errors";
import { safeEqual } from "../protocol/signatures";
import type { ApiToken } from "./schemas";
import { publicAccount, sha256, type AccountService } from "./service";
import type { StoredAccount } from "./store";

export const SESSION_COOKIE = "mawjly_session";
export const SESSION_DAYS = 14;
const TOKEN_PREFIX = "mwj_";

export interface Caller {
  account: ReturnType<typeof publicAccount>;
  via: "session" | "token";
  /** The session's CSRF token (session callers only). */
  csrf?: string;
  sessionHash?: string;
}

export class LoginRefused extends ServiceError {}

export class AuthService {
  private readonly byEmail: RateLimiter;
  private readonly byIp: RateLimiter;

  constructor(
    private readonly accounts: AccountService,
    counters: Counters,
    private readonly now: () => Date = () => new Date(),
  ) {
    // Failed attempts: 5 per email and 30 per IP address per 15 minutes.
    this.byEmail = new RateLimiter(counters, "login-email", 5, 15 * 60_000);
    this.byIp = new RateLimiter(counters, "login-ip", 30, 15 * 60_000);
  }

  private get store() {
    return this.accounts.store;
  }

  /** Verifies a password and opens a session; returns the raw session token and its CSRF token. */
  async login(email: string, password: string, ip: string): Promise<{ token: string; csrf: string; caller: Caller }> {
    const email_ = String(email).trim().toLowerCase();
    // Per email *and* address: a stranger's failures must not lock the owner out of their account.
    const key = `${email_}|${ip}`;
    if ((await this.byEmail.blocked(key)) || (await this.byIp.blocked(ip))) {
      throw new ServiceError("forbidden", "Too many failed sign-in attempts; wait 15 minutes and try again");
    }
    // Counted before the (slow) verification, so parallel attempts cannot all slip under the limit;
    // given back on success.
    await Promise.all([this.byEmail.hit(key), this.byIp.hit(ip)]);
    const account = await this.store.accountByEmail(email_);
    // Verify against a dummy hash when the account does not exist, so timing does not reveal it.
    const ok = await Bun.password.verify(String(password), account?.passwordHash ?? dummyHash());
    if (account === undefined || !ok) throw new LoginRefused("invalid", "Wrong email or password");
    this.accounts.onAccountRead(publicAccount(account));
    await Promise.all([this.byEmail.forgive(key), this.byIp.forgive(ip)]);
    return this.openSession(account);
  }

  async openSession(account: StoredAccount): Promise<{ token: string; csrf: string; caller: Caller }> {
    const token = randomBytes(32).toString("base64url");
    const csrf = randomBytes(24).toString("base64url");
    const now = this.now();
    const expires = new Date(now.getTime() + SESSION_DAYS * 86_400_000);
    await this.store.deleteExpiredSessions(now.toISOString());
    await this.store.insertSession(sha256(token), account.id, csrf, now.toISOString(), expires.toISOString());
    return { token, csrf, caller: { account: publicAccount(account), via: "session", csrf, sessionHash: sha256(token) } };
  }

  async logout(caller: Caller): Promise<void> {
    if (caller.sessionHash !== undefined) await this.store.deleteSession(caller.sessionHash);
  }

  /** The caller behind a session cookie value, if valid and not expired. */
  async fromSession(token: string | undefined): Promise<Caller | undefined> {
    if (!token) return undefined;
    const hash = sha256(token);
    const session = await this.store.session(hash);
    if (session === undefined) return undefined;
    if (session.expiresAt <= this.now().toISOString()) {
      await this.store.deleteSession(hash);
      return undefined;
    }
    const account = await this.store.account(session.accountId);
    if (account === undefined) return undefined;
    this.accounts.onAccountRead(publicAccount(account));
    return { account: publicAccount(account), via: "session", csrf: session.csrf, sessionHash: hash };
  }

  /** The caller behind `Authorization: Bearer <token>`. */
  async fromBearer(token: string | undefined): Promise<Caller | undefined> {
    if (!token?.startsWith(TOKEN_PREFIX)) return undefined;
    const stored = await this.store.tokenByHash(sha256(token));
    if (stored === undefined || stored.revokedAt !== null) return undefined;
    const account = await this.store.account(stored.accountId);
    if (account === undefined) return undefined;
    this.accounts.onAccountRead(publicAccount(account));
    await this.store.touchToken(stored.id, this.now().toISOString());
    return { account: publicAccount(account), via: "token" };
  }

  /**
   * CSRF for cookie-authenticated state changes: the Origin (or Referer) must be this server, and the
   * X-CSRF-Token header (or _csrf form field) must equal the session's token. Bearer tokens are not
   * sent by browsers on their own, so they need no check.
   */
  checkCsrf(caller: Caller, origin: string | null, host: string | null, token: string | null): void {
    if (caller.via !== "session") return;
    let sameOrigin = false;
    try {
      sameOrigin = origin !== null && host !== null && new URL(origin).host === host;
    } catch {
      sameOrigin = false;
    }
    if (!sameOrigin) throw new ServiceError("forbidden", "Cross-site request refused: Origin does not match this server");
    if (token === null || caller.csrf === undefined || !safeEqual(token, caller.csrf)) {
      throw new ServiceError("forbidden", "Missing or wrong CSRF token");
    }
  }

  // Personal API tokens
  async createToken(accountId: string, name: string): Promise<{ token: string; info: ApiToken }> {
    const clean = String(name ?? "").trim();
    if (clean === "" || clean.length > 100) throw new ServiceError("invalid", "A token needs a name of 1–100 characters");
    const token = TOKEN_PREFIX + randomBytes(30).toString("base64url");
    const info: ApiToken = { id: randomUUID(), name: clean, createdAt: this.now().toISOString(), lastUsedAt: null, revokedAt: null };
    await this.store.insertToken({ id: info.id, accountId, name: clean, hash: sha256(token), createdAt: info.createdAt });
    return { token, info };
  }

  tokens(accountId: string): Promise<ApiToken[]> {
    return this.store.tokens(accountId);
  }

  async revokeToken(accountId: string, id: string): Promise<void> {
    if (!(await this.store.revokeToken(accountId, id, this.now().toISOString()))) {
      throw new ServiceError("not_found", `No active token '${id}'`);
    }
  }
}

// argon2id hash of a random string, used only to spend the same time on unknown emails. Made on
// first use, not at import: every CLI command imports this module.
let dummy: string | undefined;
function dummyHash(): string {
  dummy ??= Bun.password.hashSync(randomBytes(16).toString("hex"), { algorithm: "argon2id" });
  return dummy;
}
