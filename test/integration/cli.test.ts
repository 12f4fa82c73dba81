/**
 * The `mawjly` command as a user runs it (`bun src/main.ts …`): help, version, migrate and the apps
 * subcommands, with the exact one-line errors and exit codes (2 usage, 1 everything else).
 */
import { afterAll, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SETTINGS } from "../../src/config/config";
import type { App } from "../../src/engine/app";
import { openDatabase } from "../../src/store/database";
import { BUN, MAIN } from "../support/server";

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "mawjly-cli-"));
  dirs.push(dir);
  return dir;
}

/** A data directory with a database in it: the management commands never create one. */
function dataDir(): string {
  const dir = tempDir();
  openDatabase(dir).close();
  return dir;
}

const DATA = dataDir();

/**
 * Runs `mawjly ARGS --data-dir DIR` (no --data-dir when dir is null). Asynchronous, so that the
 * independent cases below can run concurrently (each is a ~100 ms process start).
 */
async function mawjly(args: string[], dir: string | null = DATA, env: Record<string, string> = {}) {
  const base = { ...process.env };
  delete base.MAWJLY_DATA_DIR;
  const proc = Bun.spawn([BUN, MAIN, ...args, ...(dir === null ? [] : ["--data-dir", dir])], {
    env: { ...base, ...env },
    stdout: "pipe",
    stderr: "pipe",
  });
  const [stdout, stderr, code] = await Promise.all([
    new Response(proc.stdout).text(),
    new Response(proc.stderr).text(),
    proc.exited,
  ]);
  return { code, stdout, stderr };
}

/** A failure: exactly one line on stderr, nothing on stdout, no stack trace. */
const failure = (code: number, line: string) => ({ code, stdout: "", stderr: `mawjly: ${line}\n` });

async function create(flags: string[] = [], dir = DATA): Promise<App> {
  const r = await mawjly(["apps", "create", "--name", "cli app", "--json", ...flags], dir);
  expect(r.stderr).toBe("");
  expect(r.code).toBe(0);
  return JSON.parse(r.stdout) as App;
}
const show = async (idOrKey: string): Promise<App> => JSON.parse((await mawjly(["apps", "show", idOrKey, "--json"])).stdout);

describe.concurrent("help and version", () => {
  test.each([[["--help"]], [["-h"]], [[]], [["help"]]])("mawjly %p prints the command list", async (args) => {
    const r = await mawjly(args, null);
    expect(r.code).toBe(0);
    expect(r.stdout).toStartWith("mawjly — a realtime server that speaks the Pusher Channels protocol\n");
    for (const command of ["serve", "apps", "migrate", "version"]) expect(r.stdout).toMatch(new RegExp(`^  ${command} `, "m"));
    expect(r.stderr).toBe("");
  });

  test("mawjly serve --help", async () => {
    const r = await mawjly(["serve", "--help"], null);
    expect(r.code).toBe(0);
    expect(r.stdout).toStartWith("Usage: mawjly serve ");
    for (const flag of ["--host", "--port", "--data-dir", "--no-demo"]) expect(r.stdout).toContain(flag);
    // Every setting's variable is named in the help and in the README's table.
    const readme = await Bun.file(join(import.meta.dir, "../../README.md")).text();
    for (const setting of Object.values(SETTINGS)) {
      expect(r.stdout).toContain(setting.env);
      expect(readme).toContain(`\`${setting.env}`);
    }
  });

  test.each([[["apps", "--help"]], [["apps"]], [["apps", "create", "--help"]]])("mawjly %p prints the apps usage", async (args) => {
    const r = await mawjly(args, null);
    expect(r.code).toBe(0);
    expect(r.stdout).toStartWith("Usage: mawjly apps <create|list|show|update|delete>");
    expect(r.stdout).toContain("--max-connections");
  });

  test.each([[["version"]], [["--version"]]])("mawjly %p", async (args) => {
    const r = await mawjly(args, null);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^mawjly \d+\.\d+\.\d+\S* \(commit \S+, built [^)]+\)\n$/);
  });

  test("an unknown command: exit 2, one line", async () => {
    expect(await mawjly(["frob"], null)).toEqual(failure(2, "unknown command 'frob' (see 'mawjly --help')"));
  });
});

describe.concurrent("migrate", () => {
  test("creates and migrates the database, and is repeatable", async () => {
    const dir = join(tempDir(), "nested", "data");
    expect(await mawjly(["migrate"], dir)).toEqual({
      code: 0,
      stdout: `mawjly: created a new database in ${dir} (from --data-dir)\n`,
      stderr: "",
    });
    expect(existsSync(join(dir, "mawjly.db"))).toBe(true);
    expect(await mawjly(["migrate"], dir)).toEqual({ code: 0, stdout: `mawjly: database in ${dir} is up to date\n`, stderr: "" });
  });
});

describe.concurrent("apps create", () => {
  test("--json returns a 7-digit id, 40-hex key and secret, cluster sa, defaults", async () => {
    const app = await create();
    expect(app.id).toMatch(/^\d{7}$/);
    expect(app.key).toMatch(/^[0-9a-f]{40}$/);
    expect(app.secret).toMatch(/^[0-9a-f]{40}$/);
    expect(app.key).not.toBe(app.secret);
    expect(app).toMatchObject({ name: "cli app", cluster: "sa", enabled: true, clientEvents: false, lenientEventNames: false });
    expect(app.limits.maxConnections).toBe(0);
  });

  test("two apps get different credentials", async () => {
    const [a, b] = await Promise.all([create(), create()]);
    expect(new Set([a.id, b.id]).size + new Set([a.key, b.key]).size + new Set([a.secret, b.secret]).size).toBe(6);
  });

  test("a secret shorter than 8 characters is kept (Pusher/soketi migration), with a warning", async () => {
    const r = await mawjly(["apps", "create", "--name", "old", "--key", "short-secret-key", "--secret", "abc", "--json"]);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe("mawjly: warning: the secret is shorter than 8 characters and easy to guess; prefer a long random one\n");
    expect(JSON.parse(r.stdout)).toMatchObject({ key: "short-secret-key", secret: "abc" });
    const updated = await mawjly(["apps", "update", "short-secret-key", "--secret", "x", "--json"]);
    expect(updated.stderr).toBe("mawjly: warning: the secret is shorter than 8 characters and easy to guess; prefer a long random one\n");
    expect(JSON.parse(updated.stdout).secret).toBe("x");
    expect((await show("short-secret-key")).secret).toBe("x");
  });

  test("custom --id, --key and --secret (soketi migration)", async () => {
    const app = await create(["--id", "app-1", "--key", "my-key", "--secret", "my-secret-1"]);
    expect(app).toMatchObject({ id: "app-1", key: "my-key", secret: "my-secret-1" });
  });

  test("toggles and limits at creation", async () => {
    const app = await create(["--client-events", "--disabled", "--max-connections", "7"]);
    expect(app).toMatchObject({ clientEvents: true, enabled: false });
    expect(app.limits.maxConnections).toBe(7);
  });

  test("without --json: a readable summary", async () => {
    const r = await mawjly(["apps", "create", "--name", "plain", "--id", "plain-1"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^app_id +plain-1\nname +plain\nkey +[0-9a-f]{40}\nsecret +[0-9a-f]{40}\ncluster +sa\nenabled +true\n/);
  });

  test.each([
    [["--id", "bad id"], "Invalid app id 'bad id': use 1–64 characters from A-Z a-z 0-9 _ -"],
    [["--id", "a/b"], "Invalid app id 'a/b': use 1–64 characters from A-Z a-z 0-9 _ -"],
    [["--key", "bad key"], "Invalid key 'bad key': use 1–128 characters from A-Z a-z 0-9 _ . -"],
    [["--secret", "has space"], "Invalid secret: use 1–128 printable characters without spaces"],
    [["--secret", ""], "Invalid secret: use 1–128 printable characters without spaces"],
  ])("invalid %p: exit 1 with the exact message", async (flags, line) => {
    expect(await mawjly(["apps", "create", "--name", "x", ...flags])).toEqual(failure(1, line));
  });

  test("duplicate id and duplicate key: exit 1", async () => {
    await create(["--id", "dup-1", "--key", "dup-key"]);
    expect(await mawjly(["apps", "create", "--name", "x", "--id", "dup-1"])).toEqual(failure(1, "An app with id 'dup-1' already exists"));
    expect(await mawjly(["apps", "create", "--name", "x", "--key", "dup-key"])).toEqual(
      failure(1, "The key 'dup-key' is already used by another app"),
    );
  });

  test("usage errors: exit 2, one line, no stack trace", async () => {
    expect(await mawjly(["apps", "create", "--name", "x", "--bogus"])).toEqual(
      failure(2, "apps create: unknown option '--bogus' (see 'mawjly apps create --help')"),
    );
    expect(await mawjly(["apps", "create"])).toEqual(failure(2, "apps create: --name is required"));
    expect(await mawjly(["apps", "create", "--name", "x", "extra"])).toEqual(failure(2, "apps create: unexpected argument 'extra'"));
    expect(await mawjly(["apps", "create", "--name", "x", "--max-connections", "lots"])).toEqual(
      failure(2, "--max-connections: 'lots' is not a whole number"),
    );
    expect(await mawjly(["apps", "frob"])).toEqual(failure(2, "apps: unknown subcommand 'frob' (use create, list, show, update, delete or keys)"));
    // Checked before the store opens: no error about a data directory the user never named.
    expect(await mawjly(["apps", "frob"], null)).toEqual(failure(2, "apps: unknown subcommand 'frob' (use create, list, show, update, delete or keys)"));
    expect(await mawjly(["apps", "--data-dir", DATA, "list"], null)).toEqual(
      failure(2, "apps: the subcommand comes first, then options: mawjly apps SUBCOMMAND --data-dir … (use create, list, show, update, delete or keys)"),
    );
    // A flag followed by another flag or a negative number: one line, not node's three.
    expect(await mawjly(["apps", "create", "--name", "--json"])).toEqual(
      failure(2, "apps create: option '--name' needs a value (one that starts with a dash is written --name=-VALUE) (see 'mawjly apps create --help')"),
    );
    expect(await mawjly(["apps", "update", "x", "--max-connections", "-1"])).toEqual(
      failure(2, "apps update: option '--max-connections' needs a value (one that starts with a dash is written --max-connections=-VALUE) (see 'mawjly apps update --help')"),
    );
    // A hint names the data directory the command used.
    expect(await mawjly(["webhooks", "redeliver", "abc"])).toEqual(
      failure(2, `webhooks redeliver: 'abc' is not a delivery id (see 'mawjly webhooks log --app ID --data-dir ${DATA}')`),
    );
  });
});

describe("apps list", () => {
  const DIR = dataDir();
  let a: App;
  let b: App;

  test("list on an empty database", async () => {
    expect(await mawjly(["apps", "list"], DIR)).toEqual({
      code: 0,
      stdout: `No apps yet. Create one: mawjly apps create --name NAME --data-dir ${DIR}\n`,
      stderr: "",
    });
    expect(JSON.parse((await mawjly(["apps", "list", "--json"], DIR)).stdout)).toEqual([]);
  });

  test("list shows every app; --json gives the full records", async () => {
    a = await create(["--id", "list-a"], DIR);
    b = await create(["--id", "list-b", "--disabled"], DIR);
    const r = await mawjly(["apps", "list"], DIR);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`list-a\t${a.key}\tenabled \tcli app\nlist-b\t${b.key}\tdisabled\tcli app\n`);
    expect(JSON.parse((await mawjly(["apps", "list", "--json"], DIR)).stdout)).toEqual([a, b]);
  });

});

describe.concurrent("apps show, update, delete", () => {
  test("show by id and by key", async () => {
    const app = await create();
    expect(await show(app.id)).toEqual(app);
    expect(await show(app.key)).toEqual(app);
  });

  test("update toggles and limits", async () => {
    const app = await create(["--client-events"]);
    const r = await mawjly(["apps", "update", app.id, "--max-connections", "5", "--no-client-events", "--json"]);
    expect(r.code).toBe(0);
    const updated = JSON.parse(r.stdout) as App;
    expect(updated.clientEvents).toBe(false);
    expect(updated.limits.maxConnections).toBe(5);
    expect(await show(app.id)).toEqual(updated);
    await mawjly(["apps", "update", app.key, "--client-events", "--lenient-event-names", "--disabled"]);
    expect(await show(app.id)).toMatchObject({ clientEvents: true, lenientEventNames: true, enabled: false });
    await mawjly(["apps", "update", app.id, "--enabled", "--no-lenient-event-names"]);
    expect(await show(app.id)).toMatchObject({ clientEvents: true, lenientEventNames: false, enabled: true });
    expect((await show(app.id)).limits.maxConnections).toBe(5);
  });

  test("a limit out of its range: exit 1, one line naming the setting and the range; nothing stored", async () => {
    const app = await create();
    expect(await mawjly(["apps", "update", app.id, "--max-message-bytes", "99999999999"])).toEqual(
      failure(1, "Invalid maxMessageBytes 99999999999: use a whole number from 1 to 512000"),
    );
    expect(await mawjly(["apps", "update", app.id, "--max-message-bytes", "0"])).toEqual(
      failure(1, "Invalid maxMessageBytes 0: use a whole number from 1 to 512000"),
    );
    expect(await mawjly(["apps", "create", "--name", "x", "--user-auth-timeout", "86400"])).toEqual(
      failure(1, "Invalid userAuthTimeout 86400: use a whole number from 1 to 3600"),
    );
    expect(await mawjly(["apps", "update", app.id, "--max-connections", "1000001"])).toEqual(
      failure(1, "Invalid maxConnections 1000001: use a whole number from 0 to 1000000"),
    );
    expect((await show(app.id)).limits).toEqual(app.limits);
    // The ends of the range are accepted.
    const r = await mawjly(["apps", "update", app.id, "--max-message-bytes", "512000", "--max-connections", "0", "--json"]);
    expect(r.code).toBe(0);
    expect((JSON.parse(r.stdout) as App).limits.maxMessageBytes).toBe(512000);
  });

  test("contradictory or empty updates: exit 2", async () => {
    const app = await create();
    expect(await mawjly(["apps", "update", app.id, "--client-events", "--no-client-events"])).toEqual(
      failure(2, "apps: --client-events and --no-client-events contradict each other"),
    );
    expect(await mawjly(["apps", "update", app.id, "--enabled", "--disabled"])).toEqual(
      failure(2, "apps: --enabled and --disabled contradict each other"),
    );
    expect(await mawjly(["apps", "update", app.id])).toEqual(failure(2, "apps update: nothing to change (see 'mawjly apps --help')"));
    expect(await mawjly(["apps", "update", app.id, "--id", "other"])).toEqual(failure(2, "apps update: an app's id cannot be changed"));
    expect(await mawjly(["apps", "show"])).toEqual(failure(2, "apps show: give exactly one app id or key"));
    expect(await show(app.id)).toEqual(app);
  });

  test("a non-existent app: exit 1 for show, update and delete", async () => {
    const line = "No app with id or key 'nope'";
    expect(await mawjly(["apps", "show", "nope"])).toEqual(failure(1, line));
    expect(await mawjly(["apps", "update", "nope", "--disabled"])).toEqual(failure(1, line));
    expect(await mawjly(["apps", "delete", "nope"])).toEqual(failure(1, line));
  });

  test("delete by id or key; the app is gone afterwards", async () => {
    const byId = await create(["--id", "del-1", "--name", "doomed"]);
    expect(await mawjly(["apps", "delete", byId.id])).toEqual({ code: 0, stdout: "Deleted app del-1 (doomed)\n", stderr: "" });
    expect(await mawjly(["apps", "show", "del-1"])).toEqual(failure(1, "No app with id or key 'del-1'"));
    const byKey = await create(["--id", "del-2"]);
    expect((await mawjly(["apps", "delete", byKey.key])).code).toBe(0);
    expect(await mawjly(["apps", "show", byKey.key])).toEqual(failure(1, `No app with id or key '${byKey.key}'`));
  });
});
