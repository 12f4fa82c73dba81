/**
 * Held removals (member_removed, channel_vacated) go out when their hold ends, also while the
 * endpoint is busy with a backlog: the lane has one wake-up timer, so after the first held row's
 * wake-up the look must ask the outbox for the next one even when its window of due rows was full.
 * No poll runs here (the server's 1 s kickAll would otherwise hide a lost wake-up as a late one).
 */
import { expect, test } from "bun:test";
import type { Store } from "../../src/store/open";
import { OutboxStore } from "../../src/webhooks/outbox-store";
import type { AppSender } from "../../src/webhooks/targets";
import { describeStores } from "../support/postgres";
import { until } from "../support/wait";
import { app, seedEndpoint, startDispatcher } from "./webhooks-dispatcher-fixture";

async function busyEndpoint(store: Store) {
  const { db } = store;
  const now = Date.now();
  await seedEndpoint(db);
  const outbox = new OutboxStore(db);
  const put = (channel: string, readyMs: number, holdKey: string | null) =>
    outbox.insert({ endpointId: "e1", appId: app.id, channel, type: "member_removed", event: JSON.stringify({ channel }), readyMs, holdKey });
  // A backlog on two channels, more than a window: its requests hang until the test ends.
  for (let i = 0; i < 30; i++) await put("big", now - 2000 + i, null);
  for (let i = 0; i < 30; i++) await put("big2", now - 1000 + i, null);
  return { db, outbox, put, now };
}

describeStores("held webhooks behind a busy backlog", (fresh) => {
  test("two held rows are sent when their holds end, though every look's window is full", async () => {
    const { db, outbox, put, now } = await busyEndpoint(await fresh());
    await put("h1", now + 300, "k1");
    await put("h2", now + 600, "k2");
    let release!: () => void;
    const hanging = new Promise<void>((resolve) => (release = resolve));
    const sent = new Map<string, number>();
    const send: AppSender = async (_appId, _url, _headers, body) => {
      const channel = (JSON.parse(body) as { events: { channel: string }[] }).events[0]!.channel;
      sent.set(channel, Date.now() - now);
      if (channel.startsWith("big")) await hanging;
      return { ok: true, status: 200, latencyMs: 1, error: null };
    };
    const { dispatcher, reports } = await startDispatcher(db, outbox, send, { config: { concurrency: 4 } });
    // As the recorder does for each held row it wrote (the second finds the earlier wake-up set).
    dispatcher.queued("e1", now + 300);
    dispatcher.queued("e1", now + 600);
    dispatcher.kick("e1");
    try {
      await until(() => sent.has("h1") && sent.has("h2"), "both held rows sent while the backlog's requests hang");
      expect(sent.get("h1")!).toBeGreaterThanOrEqual(300);
      expect(sent.get("h2")!).toBeGreaterThanOrEqual(600);
      // The backlog's requests are still hanging: only the held rows' own wake-ups can have sent them.
      expect([...sent.keys()].filter((c) => c.startsWith("big"))).toEqual(["big", "big2"]);
      expect(reports).toEqual([]);
    } finally {
      dispatcher.kill();
      release();
    }
  });
});
