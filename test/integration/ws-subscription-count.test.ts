/**
 * pusher_internal:subscription_count (PUSHER-PROTOCOL.md §2.7): with the app setting on, every
 * subscriber of a non-presence channel gets the count on each subscribe/unsubscribe/disconnect;
 * never on presence channels; without the setting no frame, and HTTP subscription_count is a 400.
 */
import { beforeAll, describe, expect, test } from "bun:test";
import type { App } from "../../src/engine/app";
import { useServer } from "../support/server";
import {
  cleanup,
  connectedClient,
  expectNoFrame,
  raw,
  serverSdk,
  subscribed,
  subscribeRaw,
  subscriptionCount,
  waitFor,
  type Socket,
} from "./ws-helpers";

const server = useServer({ cleanup });
let counted: App;
let plain: App;
beforeAll(async () => {
  counted = server().createApp(["--subscription-count"]);
  plain = server().createApp();
});

const isCount = (f: any) => f.event === "pusher_internal:subscription_count";
const countFrame = (channel: string, n: number) => ({
  event: "pusher_internal:subscription_count",
  channel,
  data: JSON.stringify({ subscription_count: n }),
});
const nextCount = (socket: Socket) => socket.next(isCount);

describe("with --subscription-count", () => {
  for (const channel of ["counted", "private-counted"]) {
    test(`${channel}: every subscriber gets the count on subscribe, unsubscribe and disconnect`, async () => {
      const [a, b, c] = await Promise.all([raw(server(), counted.key), raw(server(), counted.key), raw(server(), counted.key)]);
      await subscribeRaw(a, counted, channel);
      expect(await nextCount(a)).toEqual(countFrame(channel, 1));
      // The subscriber's own count comes after its subscription_succeeded.
      const events = a.log.map((f) => f.event);
      expect(events.indexOf("pusher_internal:subscription_count")).toBeGreaterThan(events.indexOf("pusher_internal:subscription_succeeded"));

      await subscribeRaw(b, counted, channel);
      expect(await Promise.all([nextCount(a), nextCount(b)])).toEqual([countFrame(channel, 2), countFrame(channel, 2)]);

      await subscribeRaw(c, counted, channel);
      expect(await Promise.all([nextCount(a), nextCount(b), nextCount(c)])).toEqual([countFrame(channel, 3), countFrame(channel, 3), countFrame(channel, 3)]);

      c.send({ event: "pusher:unsubscribe", data: { channel } });
      expect(await Promise.all([nextCount(a), nextCount(b)])).toEqual([countFrame(channel, 2), countFrame(channel, 2)]);

      b.close();
      expect(await nextCount(a)).toEqual(countFrame(channel, 1));
      await expectNoFrame(c, isCount); // c left the channel: no more counts for it
    });
  }

  test("a repeated subscribe does not change the count", async () => {
    const [a, b] = await Promise.all([raw(server(), counted.key), raw(server(), counted.key)]);
    await subscribeRaw(a, counted, "repeat");
    await subscribeRaw(b, counted, "repeat");
    await nextCount(a);
    await nextCount(a);
    await nextCount(b);
    await subscribeRaw(b, counted, "repeat");
    await expectNoFrame(a, (f) => isCount(f) && f.data !== JSON.stringify({ subscription_count: 2 }));
    expect(await subscriptionCount(server(), counted, "repeat")).toBe(2);
  });

  test("pusher-js: pusher:subscription_count with {subscription_count: N} and channel.subscriptionCount", async () => {
    const one = await connectedClient(server(), counted);
    const two = await connectedClient(server(), counted);
    const ch1 = one.subscribe("js-counted") as any;
    const first = waitFor<any>((cb) => ch1.bind("pusher:subscription_count", cb));
    await subscribed(ch1);
    expect(await first).toEqual({ subscription_count: 1 });

    const second = waitFor<any>((cb) => ch1.bind("pusher:subscription_count", (d: any) => d.subscription_count === 2 && cb(d)));
    const ch2 = two.subscribe("js-counted") as any;
    const own = waitFor<any>((cb) => ch2.bind("pusher:subscription_count", cb));
    expect(await second).toEqual({ subscription_count: 2 });
    expect(await own).toEqual({ subscription_count: 2 });
    expect(ch1.subscriptionCount).toBe(2);

    const dropped = waitFor<any>((cb) => ch1.bind("pusher:subscription_count", (d: any) => d.subscription_count === 1 && cb(d)));
    two.unsubscribe("js-counted");
    expect(await dropped).toEqual({ subscription_count: 1 });
    expect(ch1.subscriptionCount).toBe(1);
  });

  test("never on presence channels", async () => {
    const [a, b] = await Promise.all([raw(server(), counted.key), raw(server(), counted.key)]);
    await subscribeRaw(a, counted, "presence-uncounted", '{"user_id":"a"}');
    await subscribeRaw(b, counted, "presence-uncounted", '{"user_id":"b"}');
    b.send({ event: "pusher:unsubscribe", data: { channel: "presence-uncounted" } });
    await Promise.all([expectNoFrame(a, isCount), expectNoFrame(b, isCount)]);
    expect(a.log.filter(isCount)).toEqual([]);
  });
});

test("without the setting: no subscription_count frame, and HTTP subscription_count is refused", async () => {
  const [a, b] = await Promise.all([raw(server(), plain.key), raw(server(), plain.key)]);
  await subscribeRaw(a, plain, "uncounted");
  await subscribeRaw(b, plain, "uncounted");
  await Promise.all([expectNoFrame(a, isCount), expectNoFrame(b, isCount)]);
  const res = await serverSdk(server(), plain).get({ path: "/channels/uncounted", params: { info: "subscription_count" } }).catch((err) => err);
  expect({ status: res.status, body: JSON.parse(res.body) }).toEqual({
    status: 400,
    body: { error: "subscription_count is not available: subscription counting is not enabled for this app" },
  });
});
