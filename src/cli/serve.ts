/** `mawjly serve`: starts the server and stops it gracefully on SIGTERM/SIGINT. */
import { isIP } from "node:net";
import { ConfigError, loadConfig } from "../config/config";
import { dataDirHint, resolveDataDir } from "../config/data-dir";
import { startServer, type RunningServer } from "../server";
import { lockDataDir } from "../store/data-dir-lock";
import { createDataDir } from "../store/database";
import { parse, UsageError } from "./args";
import { listenFailure } from "./listen-failure";
import { printDemoApp } from "./welcome";

export const SERVE_HELP = `Usage: mawjly serve [--host H] [--port P] [--data-dir DIR] [--redis-url URL] [--database-url URL] [--tls-cert F --tls-key F]

Starts the Pusher-compatible server: WebSocket at /app/{key}, HTTP API at /apps/{id}/...

Options:
  --host H              address to listen on (default 0.0.0.0; env MAWJLY_HOST)
  --port P              port, 0 for any free port (default 6001; env MAWJLY_PORT)
  --data-dir DIR        where the SQLite database lives (env MAWJLY_DATA_DIR, else the installer's
                        mawjly.env, else ./data); one server per data directory, or several
                        cluster nodes on one host
  --redis-url URL       cluster mode: nodes sharing redis://[:PASSWORD@]HOST:PORT[/DB] (or rediss://)
                        act as one service (env MAWJLY_REDIS_URL)
  --database-url URL    keep everything stored in PostgreSQL instead of the data directory:
                        postgres://USER:PASS@HOST:PORT/DB, for nodes on several hosts
                        (env MAWJLY_DATABASE_URL)
  --activity-timeout S  seconds of client silence before a ping (default 120; env MAWJLY_ACTIVITY_TIMEOUT)
  --pong-timeout S      seconds to wait for the answer before closing with 4201 (default 30;
                        env MAWJLY_PONG_TIMEOUT)
  --tls-cert F          PEM certificate: serve https and wss (env MAWJLY_TLS_CERT)
  --tls-key F           PEM private key (env MAWJLY_TLS_KEY)
  --no-demo             do not create a demo app on first start (env MAWJLY_DEMO=0)

Environment only: MAWJLY_CACHE_TTL (s), MAWJLY_METRICS_TOKEN (Bearer token for /metrics, 8+ characters),
MAWJLY_TRUST_PROXY=1 (client address from X-Forwarded-For), MAWJLY_WEBHOOK_* (delivery; see README).`;

export async function serve(argv: string[]): Promise<void> {
  const { values, positionals } = parse(
    argv,
    {
      host: { type: "string" },
      port: { type: "string" },
      "activity-timeout": { type: "string" },
      "pong-timeout": { type: "string" },
      "tls-cert": { type: "string" },
      "tls-key": { type: "string" },
      "redis-url": { type: "string" },
      "no-demo": { type: "boolean" },
    },
    "serve",
  );
  if (values.help) return void console.log(SERVE_HELP);
  if (positionals.length > 0) throw new UsageError(`serve: unexpected argument '${positionals[0]}'`);
  const data = resolveDataDir(values["data-dir"] as string | undefined);
  let config;
  try {
    config = loadConfig({
      host: values.host as string | undefined,
      port: values.port as string | undefined,
      dataDir: data.dir,
      activityTimeout: values["activity-timeout"] as string | undefined,
      pongTimeout: values["pong-timeout"] as string | undefined,
      tlsCert: values["tls-cert"] as string | undefined,
      tlsKey: values["tls-key"] as string | undefined,
      demo: values["no-demo"] ? false : undefined,
      redisUrl: values["redis-url"] as string | undefined,
      databaseUrl: values["database-url"] as string | undefined,
    });
  } catch (err) {
    if (err instanceof ConfigError) throw new UsageError(`serve: ${err.message}`);
    throw err;
  }
  // With PostgreSQL nothing is kept on this node's disk: no data directory, no lock.
  if (config.databaseUrl === undefined) createDataDir(config.dataDir);
  // Before the database opens: a refused second server must not touch the outbox at all. Cluster
  // nodes may share a data directory instead: Redis coordinates them (one delivers webhooks).
  const lock = config.redisUrl === undefined && config.databaseUrl === undefined ? lockDataDir(config.dataDir) : { release() {} };
  // Loaded only in cluster mode: a single node never loads the Redis client.
  const cluster = config.redisUrl === undefined ? undefined : await (await import("../adapters/redis")).joinCluster(config.redisUrl);
  let running: RunningServer;
  try {
    running = await startServer(config, { cluster });
    if (cluster !== undefined) {
      await cluster.start((departure) => running.engine.nodeDeparted(departure));
      console.log(`mawjly: node ${cluster.nodeId} joined the cluster at ${cluster.label}`);
    }
  } catch (err) {
    lock.release();
    await cluster?.stop();
    throw (await listenFailure(err, config.host, config.port)) ?? err;
  }
  // Handlers first: a supervisor may send SIGTERM as soon as it sees the listening line.
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`mawjly: ${signal} received, closing connections (4200) and stopping`);
    await running.stop();
    lock.release();
    process.exit(0);
  };
  process.on("SIGTERM", () => void stop("SIGTERM"));
  process.on("SIGINT", () => void stop("SIGINT"));

  const host = config.host === "0.0.0.0" ? "127.0.0.1" : config.host === "::" ? "::1" : config.host;
  // An IPv6 address in brackets, as URLs (and pusher-js's wsHost) write it.
  const inUrl = (h: string) => (isIP(h) === 6 ? `[${h}]` : h);
  if (config.demo && (await running.apps.list()).length === 0) {
    printDemoApp(await running.apps.create({ name: "Demo app", clientEvents: true }), inUrl(host), running.port);
  }
  if ((await running.accounts.count()) === 0) {
    // Valid until used; a later start with still no accounts issues a fresh one.
    const token = await running.accounts.newSetupToken();
    console.log(`mawjly: no accounts yet. Create the admin account (link valid until used):
  http://${inUrl(host)}:${running.port}/dashboard/setup?token=${token}
  or from a shell: ${shellCommand()} accounts create --email you@example.com --admin --password-stdin${dataDirHint(data)}`);
  }
  if (config.databaseUrl !== undefined && config.redisUrl === undefined) {
    // Nothing stops a second node on the same database (no data-directory lock there), but without a
    // shared Redis it would keep its own clients, channels and quota counts: say how to run several.
    console.log("mawjly: PostgreSQL without --redis-url: this node shares stored data but not live state; give every node the same --redis-url to run several");
  }
  // The host as given (not Bun's reading of it).
  const scheme = running.url.startsWith("https:") ? "https" : "http";
  console.log(`mawjly: listening on ${scheme}://${inUrl(config.host)}:${running.port}`);

}

/**
 * How the user runs the CLI from a shell: the installed binary is on the PATH as `mawjly`; a checkout
 * started with `npm start` has it only as the package's bin, which `npx mawjly` runs (from its root).
 */
function shellCommand(): string {
  return Bun.main.endsWith(".ts") ? "npx mawjly" : "mawjly";
}
