/**
 * A server on PostgreSQL while PostgreSQL goes away and comes back (issue 12, "PostgreSQL
 * unreachable"): connected clients and cached apps keep working (a signed trigger is delivered),
 * /health says degraded, a write through the management API answers 503 with one clear line, a
 * webhook event of the outage is kept in memory and delivered once the database is back, and
 * everything recovers by itself. Real server process, real PostgreSQL, real WebSockets.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { serverSdk, subscribedSocket } from "../support/clients";
import { usePostgres } from "../support/postgres";
import { startServer, type TestServer } from "../support/server";
import { until } from "../support/wait";
import { setupAdmin, type ApiClient } from "./api-helpers";

const pg = usePostgres();
let server: TestServer;
const received: { events: { name: string; channel: string }[] }[] = [];
let receiver: ReturnType<typeof Bun.serve>;

beforeAll(async () => {
  receiver = Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    async fetch(request) {
      received.push((await request.json()) as (typeof received)[number]);
      return new Response("ok");
    },
  });
  const url = await pg().freshDatabase();
  server = await startServer({ env: { MAWJLY_DATABASE_URL: url, MAWJLY_WEBHOOK_DELAY_MS: "0" } });
}, 30_000);

afterAll(async () => {
  await server?.stop();
  receiver?.stop(true);
});

const health = async () => ((await (await fetch(`${server.url}/health`)).json()) as { status: string }).status;

test("PostgreSQL down: sockets and cached apps keep working, writes answer 503, webhooks wait; all recovers", async () => {
  const admin: ApiClient = await setupAdmin(server);
  const app = server.createApp();
  // Through the API, so this server knows the endpoint at once (a CLI change arrives at its next poll).
  const add = await admin.post(`/apps/${app.id}/webhooks`, { url: `http://127.0.0.1:${receiver.port}/hook`, events: ["channel_occupied"] });
  expect(add.status).toBe(201);
  const socket = await subscribedSocket(server, app, "before");
  await until(() => received.some((r) => r.events.some((e) => e.channel === "before")), "the webhook of a channel occupied before the outage");
  expect(await health()).toBe("ok");

  await pg().pause();
  try {
    await until(async () => (await health()) === "degraded", "/health to say degraded", 10_000);

    // The app is cached: a signed trigger is accepted and delivered to the socket connected before.
    const sdk = serverSdk(server, app);
    expect((await sdk.trigger("before", "during-outage", { n: 1 })).status).toBe(200);
    const frame = await socket.next((f) => f.event === "during-outage");
    expect(JSON.parse(frame.data)).toEqual({ n: 1 });

    // A new channel is occupied: its webhook row cannot be written yet and waits in memory.
    await subscribedSocket(server, app, "during");

    // A write through the management API: 503 with one clear line, nothing changed.
    const created = await admin.post("/apps", { name: "made during the outage" });
    expect(created.status).toBe(503);
    expect(created.body).toEqual({
      error: { code: "unavailable", message: "The database is unavailable right now; nothing was changed. Try again in a moment." },
    });
  } finally {
    await pg().resume();
  }

  await until(async () => (await health()) === "ok", "/health to say ok again", 10_000);
  await until(() => received.some((r) => r.events.some((e) => e.channel === "during")), "the webhook of the outage, once the database is back", 15_000);
  const again = await admin.post("/apps", { name: "made after the outage" });
  expect(again.status).toBe(201);
  // Sent once: the buffered row was written once and delivered once.
  expect(received.flatMap((r) => r.events).filter((e) => e.channel === "during")).toHaveLength(1);
  expect(server.output()).toContain("is unavailable");
}, 60_000);
