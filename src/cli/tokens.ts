/**
 * `mawjly tokens create|list|revoke`: personal API tokens (Authorization: Bearer) for an account,
 * through the same AuthService as the dashboard and the management API. The token is shown once; only
 * its hash is stored.
 */
import { MemoryCounters } from "../adapters/counters/memory";
import { AuthService } from "../accounts/auth";
import { AccountService } from "../accounts/service";
import { AccountStore } from "../accounts/store";
import { systemClock } from "../engine/ports";
import { ServiceError } from "../errors";
import { parse, subcommand, UsageError } from "./args";
import { dataDirHint, withStore } from "./store";

export const TOKENS_HELP = `Usage: mawjly tokens <create|list|revoke> [options] [--data-dir DIR]

  tokens create --account EMAIL_OR_ID --name N [--json]   prints the token once: store it now
  tokens list --account EMAIL_OR_ID [--json]              (never shows the tokens themselves)
  tokens revoke ID [--account EMAIL_OR_ID]

Use a token with the management API: Authorization: Bearer <token> (e.g. GET /api/v1/apps).`;

export async function tokensCommand(argv: string[]): Promise<void> {
  const given = subcommand(argv, "tokens", ["create", "list", "revoke"]);
  if (given === undefined) return void console.log(TOKENS_HELP);
  const { sub, rest } = given;
  const { values, positionals } = parse(rest, { account: { type: "string" }, name: { type: "string" }, json: { type: "boolean" } }, `tokens ${sub}`);
  if (values.help) return void console.log(TOKENS_HELP);
  await withStore(values, async (db, choice) => {
    const accounts = new AccountService(new AccountStore(db));
    // Login rate limits are not used here; the counters only satisfy the constructor.
    const auth = new AuthService(accounts, new MemoryCounters(systemClock));
    const hint = dataDirHint(choice);
    const account = () => {
      if (typeof values.account !== "string") throw new UsageError(`tokens ${sub}: --account is required (email or id)`);
      return findAccount(accounts, values.account, hint);
    };
    switch (sub) {
      case "create": {
        if (positionals.length > 0) throw new UsageError(`tokens create: unexpected argument '${positionals[0]}'`);
        if (typeof values.name !== "string") throw new UsageError("tokens create: --name is required");
        const owner = await account();
        const { token, info } = await auth.createToken(owner.id, values.name);
        if (values.json) return void console.log(JSON.stringify({ ...info, token, account: owner.email }));
        return void console.log(`Created token ${info.id} (${info.name}) for ${owner.email}. It is shown only now:\n${token}`);
      }
      case "list": {
        const tokens = await auth.tokens((await account()).id);
        if (values.json) return void console.log(JSON.stringify(tokens, null, 2));
        if (tokens.length === 0) return void console.log(`No tokens yet. Create one: mawjly tokens create --account EMAIL --name N${hint}`);
        for (const t of tokens) {
          const state = t.revokedAt !== null ? `revoked ${t.revokedAt}` : `last used ${t.lastUsedAt ?? "never"}`;
          console.log(`${t.id}\t${t.name}\tcreated ${t.createdAt}\t${state}`);
        }
        return;
      }
      case "revoke": {
        if (positionals.length !== 1) throw new UsageError(`tokens revoke: give exactly one token id (see 'mawjly tokens list --account EMAIL${hint}')`);
        const id = positionals[0]!;
        // Without --account, the token id alone says whose it is.
        const owner = typeof values.account === "string" ? await account() : await ownerOf(accounts, auth, id);
        await auth.revokeToken(owner.id, id);
        return void console.log(`Revoked token ${id} of ${owner.email}`);
      }
      default:
        throw new UsageError(`tokens: unknown subcommand '${sub}' (use create, list or revoke)`);
    }
  });
}

async function findAccount(accounts: AccountService, emailOrId: string, hint: string) {
  const stored = (await accounts.store.accountByEmail(emailOrId.trim().toLowerCase())) ?? (await accounts.store.account(emailOrId));
  if (stored === undefined) throw new ServiceError("not_found", `No account '${emailOrId}' (see 'mawjly accounts list${hint}')`);
  return accounts.get(stored.id);
}

async function ownerOf(accounts: AccountService, auth: AuthService, tokenId: string) {
  const { items } = await accounts.list(100_000, 0);
  let owner: (typeof items)[number] | undefined;
  for (const a of items) {
    if ((await auth.tokens(a.id)).some((t) => t.id === tokenId && t.revokedAt === null)) owner = a;
  }
  if (owner === undefined) throw new ServiceError("not_found", `No active token '${tokenId}'`);
  return owner;
}
