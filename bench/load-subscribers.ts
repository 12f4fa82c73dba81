/**
 * A subscriber load worker, run as its own process so its CPU is never the server's: opens N raw
 * WebSockets (Bun's client), subscribes each (to one shared channel or to its own), then counts the
 * `bench` events each socket receives and records trigger-to-receive latency from the send time the
 * trigger worker stamped into the data. Talks to the parent over Bun IPC.
 *
 * Config (JSON in argv[2]): { url, sockets, channel?: string, channelPrefix?: string, offset?: number,
 *   event?: string, concurrency?: number }
 * Parent → worker: {cmd:"open", sockets} (open that many more) | {cmd:"reset"} | {cmd:"report"} | {cmd:"close"}
 * Worker → parent: {type:"ready", ...} | {type:"reset"} | {type:"report", ...}
 */
import { createHmac } from "node:crypto";
import { cpuMs } from "./lib/servers";
import { sentAtOf } from "./lib/sign";
import { Histogram, nowMs } from "./lib/stats";

interface Config {
  url: string;
  sockets: number;
  /** One shared channel (fanout); otherwise channelPrefix + index gives each socket its own (memory). */
  channel?: string;
  channelPrefix?: string;
  offset?: number;
  event?: string;
  concurrency?: number;
  /** Presence: every socket joins `${channel}-${n}` (100 users each) as its own user, signed with key/secret. */
  presence?: { channel: string; key: string; secret: string };
}

const config = JSON.parse(process.argv[2]!) as Config;
const EVENT_PREFIX = `{"event":${JSON.stringify(config.event ?? "bench")},`;
const OPEN_TIMEOUT_MS = 20_000;
const send = (msg: unknown) => process.send!(msg);

const sockets: WebSocket[] = [];
const perSocket: number[] = [];
let hist = new Histogram();
let received = 0;
let firstAt = 0;
let lastAt = 0;
let unexpectedCloses = 0;
let closing = false;
let cpuAtReset = 0;

/** The subscribe payload: a plain channel, or a signed presence join as user `u-{offset+index}`. */
function subscribeData(established: string, channel: string, index: number): Record<string, string> {
  const p = config.presence;
  if (p === undefined) return { channel };
  const socketId = JSON.parse(JSON.parse(established).data).socket_id as string;
  const user = (config.offset ?? 0) + index;
  // 100 members per channel: Pusher's (and Mawjly's default) presence limit.
  const name = `${p.channel}-${Math.floor(user / 100)}`;
  const channelData = JSON.stringify({ user_id: `u-${user}`, user_info: { n: user } });
  const signature = createHmac("sha256", p.secret).update(`${socketId}:${name}:${channelData}`).digest("hex");
  return { channel: name, auth: `${p.key}:${signature}`, channel_data: channelData };
}

/** Closes and reopens random sockets, `rate` per second for `ms` (reconnect churn). */
async function churn(rate: number, ms: number): Promise<void> {
  const end = nowMs() + ms;
  let done = 0;
  const t0 = nowMs();
  while (nowMs() < end) {
    const due = Math.floor(((nowMs() - t0) * rate) / 1000);
    while (done < due && sockets.length > 0) {
      const i = Math.floor(Math.random() * sockets.length);
      const old = sockets[i]!;
      old.onclose = null;
      old.close();
      done++;
      void openOne(i);
    }
    await Bun.sleep(20);
  }
  send({ type: "churned", done });
}

/** Opens one socket and resolves once its subscription is acknowledged (false on failure or timeout). */
function openOne(index: number): Promise<boolean> {
  const channel = config.channel ?? `${config.channelPrefix ?? "c-"}${(config.offset ?? 0) + index}`;
  return new Promise((resolve) => {
    const ws = new WebSocket(config.url);
    sockets[index] = ws;
    let acked = false;
    const timer = setTimeout(() => resolve(false), OPEN_TIMEOUT_MS);
    ws.onmessage = (e) => {
      const frame = e.data as string;
      if (acked) {
        // Hot path: no JSON.parse; a prefix check and one parseFloat per event.
        if (!frame.startsWith(EVENT_PREFIX)) return;
        const at = nowMs();
        if (received === 0) firstAt = at;
        lastAt = at;
        received++;
        perSocket[index]!++;
        hist.add(at - sentAtOf(frame));
      } else if (frame.includes("pusher:connection_established")) {
        ws.send(JSON.stringify({ event: "pusher:subscribe", data: subscribeData(frame, channel, index) }));
      } else if (frame.includes("pusher_internal:subscription_succeeded")) {
        acked = true;
        clearTimeout(timer);
        resolve(true);
      }
    };
    ws.onclose = () => {
      if (!closing) unexpectedCloses++;
      clearTimeout(timer);
      resolve(false);
    };
  });
}

/** Opens `count` more sockets (indices continue, so each new socket gets a new channel). */
async function openMore(count: number): Promise<void> {
  const started = nowMs();
  const end = sockets.length + count;
  let next = sockets.length;
  let ok = 0;
  // Bounded concurrency: a burst of thousands of handshakes would overflow the listen backlog.
  const lane = async () => {
    while (next < end) {
      const i = next++;
      perSocket[i] = 0;
      if (await openOne(i)) ok++;
    }
  };
  await Promise.all(Array.from({ length: Math.min(config.concurrency ?? 50, count) }, lane));
  send({ type: "ready", opened: ok, failed: count - ok, total: sockets.length, ms: nowMs() - started });
}

process.on("message", (msg: { cmd: string }) => {
  if (msg.cmd === "churn") {
    const m = msg as { rate?: number; ms?: number };
    void churn(m.rate ?? 0, m.ms ?? 0);
  } else if (msg.cmd === "open") {
    void openMore((msg as { sockets?: number }).sockets ?? 0);
  } else if (msg.cmd === "reset") {
    hist = new Histogram();
    received = 0;
    firstAt = lastAt = 0;
    perSocket.fill(0);
    cpuAtReset = cpuMs("self");
    send({ type: "reset" });
  } else if (msg.cmd === "report") {
    let min = Infinity;
    let max = 0;
    for (const n of perSocket) {
      if (n < min) min = n;
      if (n > max) max = n;
    }
    const cpu = cpuMs("self") - cpuAtReset;
    send({ type: "report", received, firstAt, lastAt, min, max, unexpectedCloses, cpu, hist: hist.sparse() });
  } else if (msg.cmd === "close") {
    closing = true;
    for (const ws of sockets) ws?.close();
    // Give the close frames a moment, then leave whatever state the sockets are in.
    setTimeout(() => process.exit(0), 300);
  }
});

// Never outlive a parent that crashed: exit when the IPC channel goes away.
process.on("disconnect", () => process.exit(0));
// And never run longer than any scenario could need.
setTimeout(() => process.exit(3), 15 * 60_000).unref();
void openMore(config.sockets);
