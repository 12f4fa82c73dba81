/**
 * The recorder's new rows as the tick writes them, on both dialects: one INSERT per run of rows, a
 * cancellation queued between them keeping its place; rows of an endpoint removed since it was routed
 * skipped and counted settled (not queued for delivery); a comeback while the tick is committing
 * still cancels the removal's row, in the next tick.
 */
import { expect, test } from "bun:test";
import { LifecycleBus } from "../../src/engine/bus";
import { systemClock } from "../../src/engine/ports";
import type { Store } from "../../src/store/open";
import { Backlog } from "../../src/webhooks/backlog";
import { EndpointDirectory } from "../../src/webhooks/endpoint-directory";
import { EndpointStore } from "../../src/webhooks/endpoint-store";
import { EVENT_TYPES } from "../../src/webhooks/event-types";
import { RemovalHolds } from "../../src/webhooks/holds";
import { OutboxStore } from "../../src/webhooks/outbox-store";
import { Recorder } from "../../src/webhooks/recorder";
import { TickWriter } from "../../src/webhooks/tick-writer";
import { describeStores } from "../support/postgres";
import { RecordingDb } from "../support/recording-db";

async function setup(fresh: () => Promise<Store>, endpointIds = ["e1"]) {
  const { db: inner } = await fresh();
  const stamp = new Date().toISOString();
  await inner.run("INSERT INTO apps (id, name, created_at, updated_at) VALUES (?, ?, ?, ?)", ["3", "app", stamp, stamp]);
  const endpoints = new EndpointStore(inner);
  for (const id of endpointIds) {
    await endpoints.insert({ id, appId: "3", url: `http://x/${id}`, events: [...EVENT_TYPES], enabled: true, batch: false, createdAt: stamp, updatedAt: stamp });
  }
  const db = new RecordingDb(inner);
  const directory = new EndpointDirectory(endpoints);
  await directory.reload();
  const bus = new LifecycleBus();
  const writer = new TickWriter(db);
  const backlog = new Backlog(1000, () => Date.now());
  const queued: string[] = [];
  const recorder = new Recorder({
    bus,
    directory,
    outbox: new OutboxStore(db),
    writer,
    holds: new RemovalHolds(systemClock),
    backlog,
    clock: systemClock,
    delayMs: 10_000,
    queued: (id) => queued.push(id),
  });
  recorder.start();
  const rows = async () => (await inner.all<{ endpoint_id: string; channel: string }>("SELECT endpoint_id, channel FROM webhook_outbox ORDER BY seq")).map((r) => `${r.endpoint_id} ${r.channel}`);
  /** Statements of the writes since the last call: their first word. */
  let seen = 0;
  const statements = () => db.statements.slice(seen, (seen = db.statements.length)).map((s) => s.trim().split(/\s/)[0]);
  return { inner, db, bus, writer, backlog, queued, rows, statements };
}

describeStores("recorder rows", (fresh) => {
  test("a tick's rows are one INSERT per run; a cancellation queued between them keeps its place", async () => {
    const { bus, writer, rows, statements } = await setup(fresh);
    bus.emit("vacated", { appId: "3", channel: "x" }); // held: written now, due in 10 s
    await writer.flush();
    expect(await rows()).toEqual(["e1 x"]);
    statements();
    bus.emit("occupied", { appId: "3", channel: "a" });
    bus.emit("occupied", { appId: "3", channel: "b" });
    bus.emit("occupied", { appId: "3", channel: "x" }); // the comeback: deletes x's committed row
    bus.emit("occupied", { appId: "3", channel: "c" });
    await writer.flush();
    expect(statements()).toEqual(["INSERT", "DELETE", "INSERT"]);
    expect(await rows()).toEqual(["e1 a", "e1 b", "e1 c"]);
  });

  test("rows of an endpoint removed since it was routed are skipped and settled; the others are written and queued", async () => {
    const { inner, bus, writer, backlog, queued, rows } = await setup(fresh, ["e1", "e2"]);
    await inner.run("DELETE FROM webhook_endpoints WHERE id = 'e2'"); // the directory still routes to it
    for (const channel of ["a", "b", "c"]) bus.emit("occupied", { appId: "3", channel });
    expect(backlog.of("e2").pending).toBe(3);
    await writer.flush();
    expect(await rows()).toEqual(["e1 a", "e1 b", "e1 c"]);
    expect(queued).toEqual(["e1", "e1", "e1"]);
    expect(backlog.of("e1").pending).toBe(3);
    expect(backlog.of("e2").pending).toBe(0);
  });

  test("a comeback while the removal's row is being committed cancels it in the next tick", async () => {
    const { db, bus, writer, backlog, rows, statements } = await setup(fresh);
    const insert = db.holdNext(/^INSERT/);
    bus.emit("vacated", { appId: "3", channel: "x" });
    const committing = writer.flush();
    await insert.reached;
    bus.emit("occupied", { appId: "3", channel: "x" }); // its row has no seq yet: nothing to delete now
    expect(writer.size).toBe(0);
    insert.release();
    await committing;
    expect(writer.size).toBe(1); // the cancellation queued once the row was committed
    await writer.flush();
    expect(statements()).toEqual(["INSERT", "DELETE"]); // written (the tick had decided), then deleted
    expect(await rows()).toEqual([]);
    expect(backlog.of("e1").pending).toBe(0);
  });

  test("a comeback before the tick commits stops the insert: no row, nothing pending", async () => {
    const { bus, writer, backlog, rows, statements } = await setup(fresh);
    bus.emit("vacated", { appId: "3", channel: "x" });
    bus.emit("member_removed", { appId: "3", channel: "presence-p", userId: "u" });
    bus.emit("occupied", { appId: "3", channel: "x" });
    await writer.flush();
    expect(await rows()).toEqual(["e1 presence-p"]);
    expect(statements()).toEqual(["INSERT"]);
    expect(backlog.of("e1").pending).toBe(1);
  });
});
