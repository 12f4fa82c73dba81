/**
 * Webhook receiver for the benchmark (its own process, so its CPU is never the server's): answers
 * 200, checks each signature (HMAC of the raw body, as pusher-http-node does), counts events by name
 * and records delivery lag = arrival − time_ms. Parent ↔ worker over Bun IPC:
 * {cmd:"report"} → {type:"report", ...}; {cmd:"reset"}; prints {type:"ready", port} first.
 *
 * Config (JSON in argv[2]): { secret }
 */
import { hmacHex, safeEqual } from "../../src/protocol/signatures";
import { cpuMs } from "../lib/servers";
import { Histogram } from "../lib/stats";

const { secret } = JSON.parse(process.argv[2]!) as { secret: string };
let counts: Record<string, number> = {};
let requests = 0;
let invalid = 0;
let firstAt = 0;
let lastAt = 0;
let lag = new Histogram();
/** Lag of requests whose first event is a held removal (member_removed, channel_vacated) apart. */
let heldLag = new Histogram();
let cpu0 = cpuMs("self");

const server = Bun.serve({
  hostname: "127.0.0.1",
  port: 0,
  async fetch(request) {
    const body = await request.text();
    const now = Date.now();
    if (requests === 0) firstAt = now;
    lastAt = now;
    requests++;
    const signature = request.headers.get("x-pusher-signature") ?? "";
    if (request.headers.get("content-type") !== "application/json" || !safeEqual(hmacHex(secret, body), signature)) invalid++;
    const parsed = JSON.parse(body) as { time_ms: number; events: { name: string }[] };
    for (const e of parsed.events) counts[e.name] = (counts[e.name] ?? 0) + 1;
    const held = parsed.events[0]?.name === "member_removed" || parsed.events[0]?.name === "channel_vacated";
    (held ? heldLag : lag).add(now - parsed.time_ms);
    return new Response("ok");
  },
});

process.on("message", (msg: { cmd: string }) => {
  if (msg.cmd === "report") {
    process.send!({ type: "report", counts, requests, invalid, firstAt, lastAt, cpuMs: cpuMs("self") - cpu0, lag: lag.sparse(), heldLag: heldLag.sparse() });
  } else if (msg.cmd === "reset") {
    counts = {};
    requests = invalid = firstAt = lastAt = 0;
    lag = new Histogram();
    heldLag = new Histogram();
    cpu0 = cpuMs("self");
    process.send!({ type: "reset" });
  }
});
process.on("disconnect", () => process.exit(0));
process.send!({ type: "ready", port: server.port });
