/**
 * WebhookService: validation with exact messages (the CLI, management API and dashboard show them as
 * they are), endpoint CRUD, the log, send test and redeliver, on both stores (a SQLite file and a
 * PostgreSQL database) and a fake sender.
 */
import { beforeEach, describe, expect, test } from "bun:test";
import type { App } from "../../src/engine/app";
import { ServiceError } from "../../src/errors";
import type { Db } from "../../src/store/db";
import { EndpointStore } from "../../src/webhooks/endpoint-store";
import { DeliveryLogStore } from "../../src/webhooks/log-store";
import { OutboxStore } from "../../src/webhooks/outbox-store";
import type { WebhookSender } from "../../src/webhooks/sender";
import { guardTargets } from "../../src/webhooks/targets";
import { WebhookService } from "../../src/webhooks/service";
import { describeStores, usePostgres } from "../support/postgres";
import { withPostgresStore } from "../support/pg-store";
import { RecordingDb } from "../support/recording-db";
import { makeApp, MemoryAppDirectory } from "./fakes";

let db: Db;
let app: App;
let service: WebhookService;
let outbox: OutboxStore;
const sent: { url: string; headers: Record<string, string>; body: string }[] = [];
let answer = { ok: true, status: 200 as number | null, latencyMs: 3, error: null as string | null };
const send: WebhookSender = async (url, headers, body) => {
  sent.push({ url, headers, body });
  return answer;
};

describeStores("WebhookService", (fresh) => {
  beforeEach(async () => {
    db = (await fresh()).db;
    app = makeApp();
    await db.run("INSERT INTO apps (id, name, created_at, updated_at) VALUES (?, ?, ?, ?)", [app.id, app.name, app.createdAt, app.updatedAt]);
    const apps = new MemoryAppDirectory([app]);
    outbox = new OutboxStore(db);
    service = new WebhookService({ store: new EndpointStore(db), log: new DeliveryLogStore(db), outbox, apps, timeoutMs: 1000, send: guardTargets(send, () => undefined), now: () => 1_700_000_000_000 });
    sent.length = 0;
    answer = { ok: true, status: 200, latencyMs: 3, error: null };
  });

  async function fails(fn: () => unknown, kind: string, message: string): Promise<void> {
    try {
      await fn();
    } catch (err) {
      expect(err).toBeInstanceOf(ServiceError);
      expect((err as ServiceError).kind).toBe(kind as ServiceError["kind"]);
      expect((err as Error).message).toBe(message);
      return;
    }
    throw new Error("expected a ServiceError");
  }

  describe("validation", () => {
    test("URLs: absolute http(s) only", async () => {
      for (const url of ["ftp://x.org/", "not a url", "/relative", "javascript:alert(1)", "http://"]) {
        await fails(() => service.add(app.id, { url }), "invalid", `Invalid webhook URL '${url}': use an absolute http:// or https:// URL`);
      }
      await fails(() => service.add(app.id, { url: `https://x.org/${"a".repeat(2100)}` }), "invalid", "Invalid webhook URL: use at most 2048 characters");
      expect((await service.add(app.id, { url: "https://hooks.example.com/pusher?x=1" })).url).toBe("https://hooks.example.com/pusher?x=1");
    });

    test("event types: known names, at least one; order normalised and duplicates dropped", async () => {
      await fails(() => service.add(app.id, { url: "http://a/", events: ["channel_exists"] }), "invalid",
        "Unknown webhook event type 'channel_exists': use channel_occupied, channel_vacated, member_added, member_removed, client_event, cache_miss, subscription_count");
      await fails(() => service.add(app.id, { url: "http://a/", events: [] }), "invalid",
        "Choose at least one webhook event type: channel_occupied, channel_vacated, member_added, member_removed, client_event, cache_miss, subscription_count");
      expect((await service.add(app.id, { url: "http://a/", events: ["member_added", "channel_occupied", "member_added"] })).events).toEqual(["channel_occupied", "member_added"]);
    });

    test("unknown app, unknown endpoint, extra fields, duplicate URL, too many endpoints", async () => {
      await fails(() => service.add("nope", { url: "http://a/" }), "not_found", "No app with id or key 'nope'");
      await fails(() => service.get("wh_x"), "not_found", "No webhook endpoint with id 'wh_x'");
      await fails(() => service.add(app.id, { url: "http://a/", colour: "red" } as never), "invalid", "Invalid webhook settings: colour: Unexpected property");
      await service.add(app.id, { url: "http://a/" });
      await fails(() => service.add(app.id, { url: "http://a/" }), "conflict", `App ${app.id} already has a webhook endpoint for http://a/; change its events instead`);
      for (let i = 1; i < 10; i++) await service.add(app.id, { url: `http://a/${i}` });
      await fails(() => service.add(app.id, { url: "http://a/10" }), "conflict", `App ${app.id} already has 10 webhook endpoints, the most allowed`);
      await fails(async () => service.update((await service.list(app.id))[0]!.id, {}), "invalid", "Nothing to change: give url, events, enabled or batch");
      await fails(() => service.log(app.id, { limit: 0 }), "invalid", "Invalid log limit 0: use 1–1000");
    });
  });

  test("add, list by id or key, update, remove (with its outbox rows)", async () => {
    const changes: string[] = [];
    service.onChange = (id) => void changes.push(id);
    const e = await service.add(app.key, { url: "http://a/", batch: true });
    expect(e).toMatchObject({ appId: app.id, enabled: true, batch: true });
    expect(await service.list(app.id)).toEqual([e]);
    const updated = await service.update(e.id, { enabled: false, events: ["client_event"] });
    expect(updated).toMatchObject({ enabled: false, events: ["client_event"], batch: true, url: "http://a/" });
    await outbox.insert({ endpointId: e.id, appId: app.id, channel: "c", type: "client_event", event: "{}", readyMs: 0, holdKey: null });
    expect((await outbox.pendingCounts()).get(e.id)).toBe(1);
    expect((await service.remove(e.id)).id).toBe(e.id);
    expect((await outbox.pendingCounts()).get(e.id)).toBeUndefined();
    expect(await service.list(app.id)).toEqual([]);
    expect(changes).toEqual([e.id, e.id, e.id]);
  });

  test("sendTest signs a sample event with the app's primary key, logs it, and redeliver refuses test entries", async () => {
    const e = await service.add(app.id, { url: "http://a/", events: ["member_removed", "cache_miss"] });
    const entry = await service.sendTest(e.id);
    expect(entry).toMatchObject({ kind: "test", outcome: "delivered", status: 200, attempt: 1, eventTypes: ["member_removed"], latencyMs: 3 });
    expect(sent[0]!.headers["X-Pusher-Key"]).toBe(app.key);
    expect(JSON.parse(sent[0]!.body)).toEqual({ time_ms: 1_700_000_000_000, events: [{ name: "member_removed", channel: "presence-webhook-test", user_id: "webhook-test" }] });
    answer = { ok: false, status: 500, latencyMs: 1, error: "HTTP 500" };
    expect(await service.sendTest(e.id, "cache_miss")).toMatchObject({ outcome: "failed", error: "HTTP 500", eventTypes: ["cache_miss"] });
    await expect(service.sendTest(e.id, "bogus")).rejects.toThrow("Unknown webhook event type 'bogus'");
    await fails(() => service.redeliver(entry.id), "invalid", `Delivery ${entry.id} was a test send; use send test again instead`);
    expect((await service.log(app.id)).map((l) => l.outcome)).toEqual(["failed", "delivered"]);
  });

  test("redeliver queues the logged events again, byte for byte", async () => {
    const e = await service.add(app.id, { url: "http://a/" });
    const log = new DeliveryLogStore(db);
    const events = ['{"name":"channel_occupied","channel":"x"}', '{"name":"subscription_count","channel":"y","subscription_count":2}'];
    const id = await log.insert({ appId: app.id, endpointId: e.id, url: e.url, atMs: 1, kind: "delivery", outcome: "failed", eventTypes: ["channel_occupied", "subscription_count"], eventCount: 2, attempt: 3, status: 500, latencyMs: 2, error: "HTTP 500", events: `[${events.join(",")}]` });
    const queued: number[] = [];
    service.onQueued = (_, n) => queued.push(n);
    expect(await service.redeliver(id)).toEqual({ endpointId: e.id, queued: 2 });
    expect(queued).toEqual([2]);
    const rows = await outbox.ready(e.id, Date.now() * 2, 10);
    expect(rows.map((r) => [r.type, r.channel, r.event])).toEqual([
      ["channel_occupied", "x", events[0]!],
      ["subscription_count", "y", events[1]!],
    ]);
    await service.remove(e.id);
    await fails(() => service.redeliver(id), "not_found", `Delivery ${id} went to webhook endpoint '${e.id}', which no longer exists`);
  });
});

describe("redeliver on PostgreSQL", () => {
  const pg = usePostgres();

  // Read committed: the endpoint found by the first statement can be deleted by another connection
  // before the INSERT, which then skips every row. That is "no longer exists", not "queued: 1".
  test("an endpoint removed between the check and the insert: not_found, nothing queued", async () => {
    await withPostgresStore(pg, async (store) => {
      const shared = store.db;
      const app = makeApp();
      await shared.run("INSERT INTO apps (id, name, created_at, updated_at) VALUES (?, ?, ?, ?)", [app.id, app.name, app.createdAt, app.updatedAt]);
      const recording = new RecordingDb(shared);
      const outbox = new OutboxStore(recording);
      const deps = { store: new EndpointStore(recording), log: new DeliveryLogStore(recording), outbox, apps: new MemoryAppDirectory([app]), timeoutMs: 1000 };
      const service = new WebhookService({ ...deps, send: guardTargets(send, () => undefined), now: () => 1_700_000_000_000 });
      const e = await service.add(app.id, { url: "http://a/" });
      const id = await deps.log.insert({ appId: app.id, endpointId: e.id, url: e.url, atMs: 1, kind: "delivery", outcome: "failed", eventTypes: ["channel_occupied"], eventCount: 1, attempt: 1, status: 500, latencyMs: 2, error: "HTTP 500", events: '[{"name":"channel_occupied","channel":"x"}]' });
      const queued: number[] = [];
      service.onQueued = (_, n) => queued.push(n);
      const hold = recording.holdNext(/^INSERT INTO webhook_outbox/);
      const redelivered = service.redeliver(id).then(
        () => "queued",
        (err: Error) => err.message,
      );
      await hold.reached;
      await shared.run("DELETE FROM webhook_endpoints WHERE id = ?", [e.id]);
      hold.release();
      expect(await redelivered).toBe(`Delivery ${id} went to webhook endpoint '${e.id}', which no longer exists`);
      expect(queued).toEqual([]);
      expect(await shared.all("SELECT seq FROM webhook_outbox")).toEqual([]);
    });
  });
});
