/**
 * Presence churn load worker (its own process): `rate` joins per second for `durationMs` and as many
 * leaves, each join a new user id on one of `channels` presence channels, each leave `holdMs` after
 * its join (so the run lasts durationMs + holdMs), over
 * `sockets` raw WebSockets. Unique user ids mean every join is a member_added and every leave a
 * member_removed webhook (no leave is cancelled by a comeback). Prints one JSON result line.
 *
 * Config (JSON in argv[2]): { url, key, secret, rate, durationMs, holdMs?, sockets?, channels? }
 */
import { hmacHex } from "../../src/protocol/signatures";
import { cpuMs } from "../lib/servers";

interface Config {
  url: string;
  key: string;
  secret: string;
  rate: number;
  durationMs: number;
  holdMs?: number;
  sockets?: number;
  channels?: number;
}

const c = JSON.parse(process.argv[2]!) as Config;
const holdMs = c.holdMs ?? 1000;
const channels = c.channels ?? 50;
const socketCount = c.sockets ?? 100;

interface Sock {
  ws: WebSocket;
  id: string;
  joined: Set<string>;
}

function open(): Promise<Sock> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(c.url);
    const sock: Sock = { ws, id: "", joined: new Set() };
    ws.onmessage = (e) => {
      const frame = String(e.data);
      if (sock.id === "" && frame.includes("pusher:connection_established")) {
        sock.id = JSON.parse(JSON.parse(frame).data).socket_id;
        resolve(sock);
      } else if (frame.includes("subscription_succeeded")) {
        acked++;
      } else if (frame.includes("pusher:error") || frame.includes("subscription_error")) {
        errors++;
      }
    };
    ws.onerror = () => reject(new Error("socket error"));
  });
}

let acked = 0;
let errors = 0;
let joins = 0;
let leaves = 0;
let late = 0;
let user = 0;
let joinMs = 0;
const active: { sock: Sock; channel: string; at: number }[] = [];

function join(sock: Sock, now: number): boolean {
  for (let tries = 0; tries < channels; tries++) {
    const channel = `presence-bench-${(joins + tries) % channels}`;
    if (sock.joined.has(channel)) continue;
    const channelData = JSON.stringify({ user_id: `u${process.pid}-${user++}` });
    const auth = `${c.key}:${hmacHex(c.secret, `${sock.id}:${channel}:${channelData}`)}`;
    sock.ws.send(JSON.stringify({ event: "pusher:subscribe", data: { channel, auth, channel_data: channelData } }));
    sock.joined.add(channel);
    active.push({ sock, channel, at: now });
    joins++;
    return true;
  }
  return false;
}

function leave(): void {
  const entry = active.shift()!;
  entry.sock.ws.send(JSON.stringify({ event: "pusher:unsubscribe", data: { channel: entry.channel } }));
  entry.sock.joined.delete(entry.channel);
  leaves++;
}

const sockets: Sock[] = [];
for (let i = 0; i < socketCount; i += 20) sockets.push(...(await Promise.all(Array.from({ length: Math.min(20, socketCount - i) }, open))));

const cpu0 = cpuMs("self");
const started = performance.now();
let next = 0;
// Open loop on a 10 ms tick: the joins due so far are sent even if the server is slow to answer.
await new Promise<void>((resolve) => {
  const timer = setInterval(() => {
    const now = performance.now();
    const elapsed = now - started;
    const due = Math.min(c.rate * (Math.min(elapsed, c.durationMs) / 1000), (c.rate * c.durationMs) / 1000);
    if (elapsed < c.durationMs && due - joins > c.rate * 0.05) late++;
    if (elapsed >= c.durationMs && joinMs === 0) joinMs = elapsed;
    while (joins < due) if (!join(sockets[next++ % sockets.length]!, now)) break;
    while (active.length > 0 && now - active[0]!.at >= holdMs) leave();
    // After the last join, the remaining leaves keep their schedule: no burst at the end.
    if (elapsed >= c.durationMs && active.length === 0) {
      clearInterval(timer);
      resolve();
    }
  }, 10);
});
const elapsedMs = performance.now() - started;
await Bun.sleep(500); // let the last acknowledgements arrive
console.log(JSON.stringify({ joins, leaves, acked, errors, late, joinMs, elapsedMs, cpuMs: cpuMs("self") - cpu0 }));
for (const s of sockets) s.ws.close();
process.exit(0);
