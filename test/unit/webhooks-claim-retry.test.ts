/**
 * A look whose claim gave way (another node holds the endpoint's turn, PostgreSQL) looks again
 * shortly by itself: the row goes out once the turn is free, without the server's poll (not run here).
 */
import { expect, test } from "bun:test";
import type { Db } from "../../src/store/db";
import { ClaimContended, OutboxStore, type ClaimRequest, type OutboxRow } from "../../src/webhooks/outbox-store";
import type { AppSender } from "../../src/webhooks/targets";
import { describeStores } from "../support/postgres";
import { until } from "../support/wait";
import { app, seedEndpoint, startDispatcher } from "./webhooks-dispatcher-fixture";

/** Counts the claims that gave way. */
class WatchedOutbox extends OutboxStore {
  contended = 0;
  override async claim(endpointId: string, c: ClaimRequest): Promise<OutboxRow[]> {
    try {
      return await super.claim(endpointId, c);
    } catch (err) {
      if (err instanceof ClaimContended) this.contended++;
      throw err;
    }
  }
}

describeStores("a claim that gave way", (fresh) => {
  test("is tried again until the endpoint's turn is free; the row is sent once", async () => {
    const { db } = await fresh();
    await seedEndpoint(db);
    const outbox = new WatchedOutbox(db);
    await outbox.insert({ endpointId: "e1", appId: app.id, channel: "c", type: "channel_occupied", event: '{"channel":"c"}', readyMs: Date.now(), holdKey: null });
    const sent: string[] = [];
    const send: AppSender = async (_appId, _url, _headers, body) => {
      sent.push(body);
      return { ok: true, status: 200, latencyMs: 1, error: null };
    };
    const { dispatcher, reports } = await startDispatcher(db, outbox, send, { claims: { node: "A" } });
    let release: () => void = () => {};
    const other = db.dialect === "postgres" ? holdTurn(db, (r) => (release = r)) : undefined;
    try {
      if (other !== undefined) await other.taken;
      dispatcher.kick("e1");
      if (other !== undefined) {
        await until(() => outbox.contended >= 2, "two looks that gave way to the other claimer");
        expect(sent).toEqual([]);
        release();
        await other.done;
      }
      await until(() => sent.length === 1, "the row sent once the turn is free");
      expect(reports).toEqual([]);
    } finally {
      release();
      dispatcher.kill();
    }
  });
});

/** Another node's claim, holding the endpoint's row lock until released. */
function holdTurn(db: Db, onRelease: (release: () => void) => void) {
  let taken!: () => void;
  const isTaken = new Promise<void>((resolve) => (taken = resolve));
  const done = db.transaction(async (tx) => {
    await tx.get("SELECT id FROM webhook_endpoints WHERE id = 'e1' FOR NO KEY UPDATE", []);
    taken();
    await new Promise<void>((resolve) => onRelease(resolve));
  });
  return { taken: isTaken, done };
}
