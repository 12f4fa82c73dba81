/**
 * The baseline: raw Bun.serve doing the minimum work equivalent to Mawjly's hot paths, so each ratio
 * measures what Mawjly's layers (Elysia routing, engine, validation, bus) cost on top of Bun itself.
 *
 * - WS open: send a connection_established frame of the same shape (fresh socket id).
 * - WS `pusher:subscribe`: JSON.parse, ws.subscribe(channel), subscription_succeeded ack.
 * - POST /trigger: the SAME Pusher request signature check as Mawjly (auth params, timestamp window,
 *   body MD5, HMAC-SHA256, constant-time compares), JSON.parse of the body, one frame per channel
 *   built with the same shape, server.publish. `--no-auth` skips the check (for reference runs only).
 *
 * Usage: bun bench/baseline-server.ts --host 127.0.0.1 --port 0 --key K --secret S [--no-auth]
 * Prints `baseline: listening on http://HOST:PORT` like Mawjly, and exits 0 on SIGTERM.
 */
import { createHash, createHmac, timingSafeEqual } from "node:crypto";
import { parseArgs } from "node:util";

// Set from the command line in main(); module-level so the handlers can be imported and timed in-process.
let KEY = "bench-key";
let SECRET = "bench-secret";
let AUTH = true;
const q = JSON.stringify;

function randomDigits(): string {
  return String(Math.floor(Math.random() * 1e9));
}

function equal(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** Returns null when the request is signed correctly, else the reason (sent with a 401). */
export function verify(path: string, rawQuery: string, body: string): string | null {
  const params = new Map<string, string>();
  for (const part of rawQuery.split("&")) {
    const eq = part.indexOf("=");
    if (eq > 0) params.set(part.slice(0, eq).toLowerCase(), decodeURIComponent(part.slice(eq + 1)));
  }
  if (params.get("auth_key") !== KEY) return "bad auth_key";
  const ts = Number(params.get("auth_timestamp"));
  if (!(Math.abs(Date.now() / 1000 - ts) <= 600)) return "bad timestamp";
  if (!equal(createHash("md5").update(body).digest("hex"), params.get("body_md5") ?? "")) return "bad body_md5";
  const signed = [...params.entries()]
    .filter(([k]) => k !== "auth_signature")
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([k, v]) => `${k}=${v}`)
    .join("&");
  const expected = createHmac("sha256", SECRET).update(`POST\n${path}\n${signed}`).digest("hex");
  return equal(expected, params.get("auth_signature") ?? "") ? null : "bad signature";
}

const json = (status: number, body: string) =>
  new Response(body, { status, headers: { "content-type": "application/json" } });

/** POST /trigger: signature check, JSON.parse, one frame per channel, publish. */
export async function handleTrigger(req: Request, url: URL, publish: (topic: string, frame: string) => void): Promise<Response> {
  const body = await req.text();
  if (AUTH) {
    const problem = verify(url.pathname, url.search.slice(1), body);
    if (problem !== null) return json(401, q({ error: problem }));
  }
  let event: { name: string; data: string; channel?: string; channels?: string[] };
  try {
    event = JSON.parse(body);
  } catch {
    return json(400, '{"error":"invalid JSON"}');
  }
  for (const channel of event.channels ?? [event.channel!]) {
    publish(channel, `{"event":${q(event.name)},"channel":${q(channel)},"data":${q(event.data)}}`);
  }
  return json(200, "{}");
}

function main(): void {
  const { values } = parseArgs({
    options: {
      host: { type: "string", default: "127.0.0.1" },
      port: { type: "string", default: "0" },
      key: { type: "string", default: KEY },
      secret: { type: "string", default: SECRET },
      "no-auth": { type: "boolean", default: false },
    },
  });
  KEY = values.key!;
  SECRET = values.secret!;
  AUTH = !values["no-auth"];
  const server = Bun.serve<{ socketId: string }>({
    hostname: values.host,
    port: Number(values.port),
    development: false,
    maxRequestBodySize: 1024 * 1024,
    fetch(req, srv) {
      const url = new URL(req.url);
      if (url.pathname.startsWith("/app/")) {
        const data = { socketId: `${randomDigits()}.${randomDigits()}` };
        return srv.upgrade(req, { data }) ? undefined : json(400, '{"error":"upgrade failed"}');
      }
      if (req.method === "POST" && url.pathname === "/trigger") {
        return handleTrigger(req, url, (topic, frame) => void srv.publish(topic, frame));
      }
      return json(404, '{"error":"not found"}');
    },
    // The same socket settings as Mawjly's transport, so neither side gets a cheaper configuration.
    websocket: {
      idleTimeout: 0,
      sendPings: false,
      maxPayloadLength: 1024 * 1024,
      backpressureLimit: 4 * 1024 * 1024,
      closeOnBackpressureLimit: true,
      perMessageDeflate: false,
      open(ws) {
        ws.send(
          `{"event":"pusher:connection_established","data":${q(`{"socket_id":${q(ws.data.socketId)},"activity_timeout":120}`)}}`,
        );
      },
      message(ws, message) {
        let frame: { event?: string; data?: { channel?: string } };
        try {
          frame = JSON.parse(String(message));
        } catch {
          return;
        }
        const channel = frame.data?.channel;
        if (frame.event === "pusher:subscribe" && typeof channel === "string") {
          ws.subscribe(channel);
          ws.send(`{"event":"pusher_internal:subscription_succeeded","channel":${q(channel)},"data":"{}"}`);
        } else if (frame.event === "pusher:ping") {
          ws.send('{"event":"pusher:pong","data":"{}"}');
        }
      },
    },
  });

  console.log(`baseline: listening on http://${values.host}:${server.port} (signature check ${AUTH ? "on" : "off"})`);
  process.on("SIGTERM", () => {
    server.stop(true);
    process.exit(0);
  });
}

if (import.meta.main) main();
