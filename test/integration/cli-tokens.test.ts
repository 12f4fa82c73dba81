/**
 * `mawjly tokens create|list|revoke`: personal API tokens from a shell, used against the management
 * API of a running server with Authorization: Bearer, and refused there once revoked.
 */
import { beforeAll, describe, expect, test } from "bun:test";
import { useServer } from "../support/server";
import { cliCreateAccount } from "./api-helpers";

const server = useServer();
let account: { id: string };
beforeAll(async () => {
  account = cliCreateAccount(server(), "owner@example.com");
  cliCreateAccount(server(), "other@example.com");
});

const failure = (code: number, line: string) => ({ code, stdout: "", stderr: `mawjly: ${line}\n` });
const appsWith = (token: string) => fetch(`${server().url}/api/v1/apps`, { headers: { authorization: `Bearer ${token}` } });

describe("tokens", () => {
  test("create prints the token once; it opens the management API; revoke shuts it", async () => {
    const app = server().cli(["apps", "create", "--name", "owned", "--json"]);
    expect(app.code).toBe(0);
    const created = server().cli(["tokens", "create", "--account", "Owner@Example.com", "--name", "deploy", "--json"]);
    expect(created.stderr).toBe("");
    const token = JSON.parse(created.stdout) as { id: string; name: string; token: string; account: string; revokedAt: null };
    expect(token).toMatchObject({ name: "deploy", account: "owner@example.com", revokedAt: null });
    expect(token.token).toMatch(/^mwj_[A-Za-z0-9_-]{40}$/);

    const reply = await appsWith(token.token);
    expect(reply.status).toBe(200);
    expect(await reply.json()).toHaveProperty("items");

    // list by id as well as by email; never the token itself
    const list = server().cli(["tokens", "list", "--account", account.id, "--json"]);
    expect(list.code).toBe(0);
    expect(list.stdout).not.toContain(token.token);
    expect(JSON.parse(list.stdout)).toEqual([{ id: token.id, name: "deploy", createdAt: expect.any(String), lastUsedAt: expect.any(String), revokedAt: null }]);
    const plain = server().cli(["tokens", "list", "--account", "owner@example.com"]);
    expect(plain.stdout).toMatch(new RegExp(`^${token.id}\tdeploy\tcreated \\S+\tlast used \\S+\n$`));

    expect(server().cli(["tokens", "revoke", token.id])).toEqual({ code: 0, stdout: `Revoked token ${token.id} of owner@example.com\n`, stderr: "" });
    const refused = await appsWith(token.token);
    expect(refused.status).toBe(401);
    expect(await refused.json()).toEqual({ error: { code: "unauthorized", message: "Invalid or revoked API token" } });
    expect(server().cli(["tokens", "revoke", token.id])).toEqual(failure(1, `No active token '${token.id}'`));
  });

  test("without --json: the token on its own line after a sentence saying it is shown once", () => {
    const r = server().cli(["tokens", "create", "--account", "owner@example.com", "--name", "ci"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Created token [0-9a-f-]{36} \(ci\) for owner@example\.com\. It is shown only now:\nmwj_[A-Za-z0-9_-]{40}\n$/);
  });

  test("revoke with --account only revokes that account's token", () => {
    const token = JSON.parse(server().cli(["tokens", "create", "--account", "owner@example.com", "--name", "x", "--json"]).stdout);
    expect(server().cli(["tokens", "revoke", token.id, "--account", "other@example.com"])).toEqual(failure(1, `No active token '${token.id}'`));
    expect(server().cli(["tokens", "revoke", token.id, "--account", "owner@example.com"]).code).toBe(0);
  });

  test("mistakes: one line, exit 2 for usage and 1 for unknown things", () => {
    expect(server().cli(["tokens", "create", "--name", "n"])).toEqual(failure(2, "tokens create: --account is required (email or id)"));
    expect(server().cli(["tokens", "create", "--account", "owner@example.com"])).toEqual(failure(2, "tokens create: --name is required"));
    expect(server().cli(["tokens", "list"])).toEqual(failure(2, "tokens list: --account is required (email or id)"));
    expect(server().cli(["tokens", "revoke"])).toEqual(failure(2, `tokens revoke: give exactly one token id (see 'mawjly tokens list --account EMAIL --data-dir ${server().dataDir}')`));
    expect(server().cli(["tokens", "frob"])).toEqual(failure(2, "tokens: unknown subcommand 'frob' (use create, list or revoke)"));
    expect(server().cli(["tokens", "list", "--account", "nobody@example.com"])).toEqual(
      failure(1, `No account 'nobody@example.com' (see 'mawjly accounts list --data-dir ${server().dataDir}')`),
    );
    expect(server().cli(["tokens", "create", "--account", "owner@example.com", "--name", " "])).toEqual(
      failure(1, "A token needs a name of 1–100 characters"),
    );
    expect(server().cli(["tokens", "revoke", "no-such-id"])).toEqual(failure(1, "No active token 'no-such-id'"));
  });

  test("help", () => {
    const r = server().cli(["tokens", "--help"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toStartWith("Usage: mawjly tokens <create|list|revoke>");
  });
});
