// Smoke test of a built Mawjly binary: the one end-to-end path every release must get right.
//
//   bun scripts/smoke.ts [path/to/binary]     (default dist/mawjly)
//
// Creates an app with the CLI, starts the server on a free port, connects a raw WebSocket, subscribes,
// triggers an event through the signed HTTP API with the official `pusher` SDK, checks the exact frame,
// then stops the server with SIGTERM and expects exit code 0. Prints `smoke: 1 passed, 0 failed`.

import { mkdtemp, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import Pusher from "pusher";

const OVERALL_TIMEOUT_MS = 60_000;
const STEP_TIMEOUT_MS = 15_000;
const CHANNEL = "smoke-channel";
const EVENT = "smoke-event";
const PAYLOAD = { hello: "world" };

const bin = resolve(process.argv[2] ?? "dist/mawjly");
let dataDir = "";
let server: ReturnType<typeof Bun.spawn> | undefined;
let serverOutput = ""; // kept for the failure report
let step = "starting";

class SmokeError extends Error {}

function log(message: string) {
  console.log(`smoke: ${message}`);
}

// The binary must not pick up settings from the caller's shell: drop every MAWJLY_* variable.
function cleanEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith("MAWJLY_")) env[k] = v;
  return env;
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: Timer;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new SmokeError(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

async function createApp(): Promise<{ id: string; key: string; secret: string }> {
  step = "migrate";
  // The management commands never create a database; `migrate` does, explicitly.
  const migrate = Bun.spawn([bin, "migrate", "--data-dir", dataDir], { env: cleanEnv(), stdout: "pipe", stderr: "pipe" });
  const migrated = await withTimeout(migrate.exited, STEP_TIMEOUT_MS, "`migrate` to exit");
  if (migrated !== 0) throw new SmokeError(`\`migrate\` exited with ${migrated}:\n${await new Response(migrate.stderr).text()}`);
  step = "apps create";
  const proc = Bun.spawn([bin, "apps", "create", "--name", "smoke", "--json", "--data-dir", dataDir], {
    env: cleanEnv(), stdout: "pipe", stderr: "pipe",
  });
  const [out, err, code] = await withTimeout(
    Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]),
    STEP_TIMEOUT_MS, "`apps create` to exit",
  );
  if (code !== 0) throw new SmokeError(`\`apps create\` exited with ${code}:\n${out}${err}`);
  // One JSON object is the contract; tolerate a log line before it rather than fail on cosmetics.
  const line = out.trim().split("\n").reverse().find((l) => l.trim().startsWith("{"));
  let app: Record<string, unknown>;
  try {
    app = JSON.parse(line ?? "");
  } catch {
    throw new SmokeError(`\`apps create --json\` did not print a JSON object:\n${out}`);
  }
  for (const field of ["id", "key", "secret"]) {
    if (typeof app[field] !== "string" && typeof app[field] !== "number") {
      throw new SmokeError(`\`apps create --json\` output lacks "${field}": ${line}`);
    }
  }
  return { id: String(app.id), key: String(app.key), secret: String(app.secret) };
}

// Start `serve` and resolve with the port from the exact line `mawjly: listening on http://HOST:PORT`.
async function startServer(): Promise<number> {
  step = "serve";
  server = Bun.spawn([bin, "serve", "--port", "0", "--host", "127.0.0.1", "--data-dir", dataDir], {
    env: cleanEnv(), stdout: "pipe", stderr: "pipe",
  });
  const proc = server;
  // Drain stderr in the background so a chatty server never blocks on a full pipe.
  void (async () => {
    for await (const chunk of proc.stderr as ReadableStream<Uint8Array>) serverOutput += new TextDecoder().decode(chunk);
  })();
  // One reader for the whole run: it finds the listening line, then keeps draining stdout in the
  // background (leaving a for-await loop early would cancel the stream).
  const reader = (proc.stdout as ReadableStream<Uint8Array>).getReader();
  const decoder = new TextDecoder();
  const listening = (async () => {
    let stdout = ""; // matched separately so stderr text can never split the line
    while (true) {
      const { done, value } = await reader.read();
      if (done) break;
      const text = decoder.decode(value, { stream: true });
      stdout += text;
      serverOutput += text;
      const match = stdout.match(/^mawjly: listening on http:\/\/127\.0\.0\.1:(\d+)$/m);
      if (match) {
        // The binary is on the PATH as `mawjly` (install.sh): its first-start hint must not say `npx`.
        if (!/^ {2}or from a shell: mawjly accounts create /m.test(stdout)) {
          throw new SmokeError(`the first-start hint does not name the installed command:\n${stdout}`);
        }
        void (async () => {
          for (let r = await reader.read(); !r.done; r = await reader.read()) serverOutput += decoder.decode(r.value);
        })().catch(() => {});
        return Number(match[1]);
      }
    }
    throw new SmokeError(`server exited (code ${await proc.exited}) before printing the listening line`);
  })();
  return withTimeout(listening, STEP_TIMEOUT_MS, "`mawjly: listening on http://127.0.0.1:PORT`");
}

// A WebSocket wrapper whose `next(predicate)` waits for the first matching frame, past or future.
function connect(url: string) {
  const ws = new WebSocket(url);
  const frames: any[] = [];
  const waiters: Array<() => void> = [];
  let closed: string | undefined;
  ws.onmessage = (e) => {
    try {
      frames.push(JSON.parse(String(e.data)));
    } catch {
      frames.push({ unparsable: String(e.data) });
    }
    waiters.splice(0).forEach((w) => w());
  };
  ws.onclose = (e) => {
    closed = `closed with code ${e.code} ${e.reason}`;
    waiters.splice(0).forEach((w) => w());
  };
  ws.onerror = () => {
    closed ??= "WebSocket error";
    waiters.splice(0).forEach((w) => w());
  };
  const next = (what: string, predicate: (f: any) => boolean) =>
    withTimeout(
      new Promise<any>((resolve, reject) => {
        const check = () => {
          const found = frames.find(predicate);
          if (found) return resolve(found);
          if (closed) return reject(new SmokeError(`${closed} while waiting for ${what}; frames: ${JSON.stringify(frames)}`));
          waiters.push(check);
        };
        check();
      }),
      STEP_TIMEOUT_MS,
      `${what}; frames so far: ${JSON.stringify(frames)}`,
    );
  return { ws, next };
}

async function run() {
  if (!(await stat(bin).catch(() => null))) throw new SmokeError(`binary not found: ${bin} (run \`npm run build\` first)`);
  dataDir = await mkdtemp(join(tmpdir(), "mawjly-smoke-"));
  log(`binary ${bin}, data dir ${dataDir}`);

  const app = await createApp();
  log(`created app ${app.id} (key ${app.key})`);
  const port = await startServer();
  log(`server listening on 127.0.0.1:${port}`);

  step = "websocket";
  const { ws, next } = connect(`ws://127.0.0.1:${port}/app/${app.key}?protocol=7&client=smoke&version=1`);
  const established = await next("pusher:connection_established", (f) => f.event === "pusher:connection_established");
  const socketId = JSON.parse(established.data).socket_id;
  if (typeof socketId !== "string" || !socketId) throw new SmokeError(`no socket_id in ${JSON.stringify(established)}`);
  log(`connected, socket_id ${socketId}`);

  ws.send(JSON.stringify({ event: "pusher:subscribe", data: { channel: CHANNEL } }));
  await next("pusher_internal:subscription_succeeded", (f) => f.event === "pusher_internal:subscription_succeeded" && f.channel === CHANNEL);
  log(`subscribed to ${CHANNEL}`);

  step = "trigger";
  const pusher = new Pusher({ appId: app.id, key: app.key, secret: app.secret, host: "127.0.0.1", port: String(port), useTLS: false });
  // The SDK rejects on non-2xx with a RequestError carrying status and body; report those plainly.
  const response = await withTimeout(pusher.trigger(CHANNEL, EVENT, PAYLOAD), STEP_TIMEOUT_MS, "HTTP trigger").catch((e) => {
    throw new SmokeError(`trigger failed: ${e?.status ? `HTTP ${e.status} ${e.body ?? ""}` : e?.message ?? e}`);
  });
  if (response.status !== 200) throw new SmokeError(`trigger answered HTTP ${response.status}: ${await response.text()}`);
  const frame = await next(EVENT, (f) => f.event === EVENT);
  const expected = JSON.stringify(PAYLOAD);
  if (frame.channel !== CHANNEL || frame.data !== expected) {
    throw new SmokeError(`wrong frame: ${JSON.stringify(frame)}; expected channel ${CHANNEL} and data ${JSON.stringify(expected)}`);
  }
  log(`received ${EVENT} with data ${frame.data}`);
  ws.close();

  step = "SIGTERM";
  server!.kill("SIGTERM");
  const code = await withTimeout(server!.exited, STEP_TIMEOUT_MS, "the server to exit after SIGTERM");
  if (code !== 0) throw new SmokeError(`server exited with code ${code} (signal ${server!.signalCode}) after SIGTERM; expected 0`);
  log("server stopped cleanly on SIGTERM");
}

async function cleanup() {
  if (server && server.exitCode === null && server.signalCode === null) server.kill("SIGKILL");
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
}

const overall = setTimeout(async () => {
  console.error(`smoke: FAILED: overall timeout of ${OVERALL_TIMEOUT_MS} ms exceeded during step "${step}"`);
  await cleanup();
  process.exit(1);
}, OVERALL_TIMEOUT_MS);

try {
  await run();
  await cleanup();
  clearTimeout(overall);
  console.log("smoke: 1 passed, 0 failed");
  process.exit(0);
} catch (error) {
  await cleanup();
  clearTimeout(overall);
  const message = error instanceof SmokeError ? error.message : (error as Error)?.stack ?? String(error);
  console.error(`smoke: FAILED at step "${step}": ${message}`);
  if (serverOutput.trim()) console.error(`smoke: server output:\n${serverOutput.trimEnd()}`);
  console.error("smoke: 0 passed, 1 failed");
  process.exit(1);
}
