#!/usr/bin/env bun
/**
 * The `mawjly` command, the same in development (`bun src/main.ts`) and in the compiled binary.
 * Errors a user can cause end with one line on stderr and a non-zero exit, never a stack trace:
 * 2 for usage errors, 1 for everything else.
 */
import { ServiceError } from "./errors";
import { UsageError, parse } from "./cli/args";
import { serve, SERVE_HELP } from "./cli/serve";
import { debugEnabled } from "./config/config";
import { DataDirError, describeChoice, resolveDataDir } from "./config/data-dir";
import { DataDirLocked } from "./store/data-dir-lock";
import { databaseExists, openDatabase, StoreError } from "./store/database";
import { StoreUnavailable } from "./store/db";
import { databaseUrlOf } from "./store/open";
import { versionLine } from "./version";

const HELP = `mawjly — a realtime server that speaks the Pusher Channels protocol

Usage: mawjly <command> [options]

Commands:
  serve      start the server (WebSocket /app/{key}, HTTP API /apps/{id}/...)
  apps       create, list, show, update and delete apps, and manage their key pairs
  accounts   create and manage accounts (the dashboard's users) and sign-up
  plans      list and change plans (app, connection and message quotas)
  webhooks   add, list, update and remove webhook endpoints; delivery log, test, redeliver
  tokens     create, list and revoke personal API tokens (Bearer) for an account
  migrate    create or upgrade the database and exit
  store      copy the SQLite database into PostgreSQL, or back it up
  version    print version, commit and build date

Every command finds the data directory the same way: --data-dir DIR, else MAWJLY_DATA_DIR, else
MAWJLY_DATA_DIR in the file install.sh wrote (~/.config/mawjly/mawjly.env or /etc/mawjly/mawjly.env),
else ./data. Only serve and migrate create a database; the other commands need an existing one.
Run 'mawjly <command> --help' for a command's options.`;

// The other commands' modules are loaded when they run: a server does not keep them in its memory.
// Static specifiers, so that `bun build --compile` bundles them.
const COMMANDS: Record<string, (argv: string[]) => void | Promise<void>> = {
  serve,
  apps: async (argv) => (await import("./cli/apps")).appsCommand(argv),
  accounts: async (argv) => (await import("./cli/accounts")).accountsCommand(argv),
  plans: async (argv) => (await import("./cli/accounts")).plansCommand(argv),
  webhooks: async (argv) => (await import("./cli/webhooks")).webhooksCommand(argv),
  tokens: async (argv) => (await import("./cli/tokens")).tokensCommand(argv),
  store: async (argv) => (await import("./cli/store-commands")).storeCommand(argv),
  async migrate(argv) {
    const { values } = parse(argv, { "database-url": { type: "string" } }, "migrate");
    if (values.help) {
      return void console.log(
        "Usage: mawjly migrate [--data-dir DIR | --database-url postgres://…]\n\nCreates the database, or applies pending migrations to it" +
          " (PostgreSQL: --database-url, else MAWJLY_DATABASE_URL; the database itself must exist).",
      );
    }
    const url = databaseUrlOf(values);
    if (url !== undefined) return (await import("./cli/store-commands")).migratePostgresCommand(url);
    const choice = resolveDataDir(values["data-dir"] as string | undefined);
    // The one explicit way besides serve to create a database (provisioning before the first start).
    const existed = databaseExists(choice.dir);
    openDatabase(choice.dir).close();
    console.log(existed ? `mawjly: database in ${choice.dir} is up to date` : `mawjly: created a new database in ${choice.dir} (${describeChoice(choice)})`);
  },
  version: () => console.log(versionLine()),
  help: () => console.log(HELP),
};

async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  if (command === undefined || command === "--help" || command === "-h") return void console.log(HELP);
  if (command === "--version" || command === "-v") return void console.log(versionLine());
  const handler = Object.hasOwn(COMMANDS, command) ? COMMANDS[command] : undefined;
  if (handler === undefined) throw new UsageError(`unknown command '${command}' (see 'mawjly --help')`);
  if (command === "serve" && (rest.includes("--help") || rest.includes("-h"))) return void console.log(SERVE_HELP);
  await handler(rest);
}

// Everything Mawjly writes is its data (SQLite with app secrets, WAL files): readable by its owner only.
process.umask(0o077);

main(process.argv.slice(2)).catch((err: unknown) => {
  if (err instanceof UsageError) {
    console.error(`mawjly: ${err.message}`);
    process.exit(2);
  }
  const expected = err instanceof ServiceError || err instanceof StoreError || err instanceof StoreUnavailable || err instanceof DataDirError || err instanceof DataDirLocked;
  if (err instanceof Error) {
    if (!expected && debugEnabled()) console.error(err);
    console.error(`mawjly: ${err.message}`);
    process.exit(1);
  }
  console.error("mawjly: unexpected failure", err);
  process.exit(1);
});
