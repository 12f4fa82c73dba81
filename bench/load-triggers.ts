/**
 * A trigger load worker, run as its own process: sends signed Pusher trigger requests to one server
 * and prints one JSON result line (see TriggerResult in lib/workers.ts).
 *
 * Modes (JSON config in argv[2]):
 * - "rate": open loop, `rate` requests/s for `durationMs`, each with fresh data stamped with its send
 *   time (for the subscribers' latency) and its own signature. Requests are not held back by slow
 *   responses, so a slow server shows up as latency, not as a lower offered rate.
 * - "closed": `concurrency` requests always in flight over keep-alive connections for `durationMs`;
 *   one pre-signed body (the timestamp stays valid for 600 s) keeps the client cost per request low.
 */
import { cpuMs } from "./lib/servers";
import { signedQuery, stampedData } from "./lib/sign";
import { Histogram, nowMs } from "./lib/stats";

interface Config {
  url: string;
  path: string;
  key: string;
  secret: string;
  mode: "rate" | "closed";
  durationMs: number;
  rate?: number;
  concurrency?: number;
  channel?: string;
  /** Many channels: request i goes to `${channelPrefix}${i % channelCount}` instead of `channel`. */
  channelPrefix?: string;
  channelCount?: number;
  event?: string;
  dataBytes?: number;
}

const c = JSON.parse(process.argv[2]!) as Config;
const channel = c.channel ?? "bench";
const event = c.event ?? "bench";
const dataBytes = c.dataBytes ?? 100;
const hist = new Histogram();
const statuses: Record<string, number> = {};
let sent = 0;
let ok = 0;
let failed = 0;
let late = 0;
let firstSentAt = 0;
let lastSentAt = 0;

async function post(query: string, body: string): Promise<void> {
  const start = nowMs();
  if (sent === 0) firstSentAt = start;
  lastSentAt = start;
  sent++;
  try {
    const res = await fetch(`${c.url}${c.path}${query}`, {
      method: "POST",
      body,
      headers: { "content-type": "application/json" },
      keepalive: true,
    });
    await res.arrayBuffer();
    statuses[res.status] = (statuses[res.status] ?? 0) + 1;
    if (res.status === 200) ok++;
    else failed++;
  } catch (err) {
    failed++;
    const key = `error:${(err as Error).name}`;
    statuses[key] = (statuses[key] ?? 0) + 1;
  }
  hist.add(nowMs() - start);
}

function stampedRequest(seq: number): [string, string] {
  const to = c.channelPrefix === undefined ? channel : `${c.channelPrefix}${seq % (c.channelCount ?? 1)}`;
  const body = JSON.stringify({ name: event, channel: to, data: stampedData(nowMs(), seq, dataBytes) });
  return [signedQuery(c, c.path, body), body];
}

async function rateMode(): Promise<void> {
  const rate = c.rate!;
  const total = Math.round((rate * c.durationMs) / 1000);
  const interval = 1000 / rate;
  const inflight = new Set<Promise<void>>();
  const t0 = nowMs() + 10;
  let i = 0;
  while (i < total) {
    const now = nowMs();
    // Send everything due; a timer that woke late sends a small burst rather than lowering the rate.
    while (i < total && t0 + i * interval <= now) {
      if (now - (t0 + i * interval) > 5) late++;
      const [query, body] = stampedRequest(i++);
      const p = post(query, body).finally(() => inflight.delete(p));
      inflight.add(p);
    }
    const wait = t0 + i * interval - nowMs();
    if (wait > 0) await Bun.sleep(wait);
  }
  await Promise.race([Promise.all(inflight), Bun.sleep(15_000)]);
}

async function closedMode(): Promise<void> {
  const [query, body] = stampedRequest(0);
  const end = nowMs() + c.durationMs;
  const lane = async () => {
    while (nowMs() < end) await post(query, body);
  };
  await Promise.all(Array.from({ length: c.concurrency ?? 32 }, lane));
}

const started = nowMs();
const cpu0 = cpuMs("self");
await (c.mode === "rate" ? rateMode() : closedMode());
console.log(
  JSON.stringify({
    sent,
    ok,
    failed,
    statuses,
    firstSentAt,
    lastSentAt,
    elapsedMs: nowMs() - started,
    late,
    clientCpuMs: cpuMs("self") - cpu0,
    hist: hist.sparse(),
  }),
);
process.exit(0);
