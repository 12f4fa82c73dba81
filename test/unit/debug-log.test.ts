/**
 * The debug console's ring: events are described when the ring is read, not when they are recorded;
 * what a reader sees must be the same either way, long data is still cut, and an open console still
 * gets every entry at once.
 */
import { expect, test } from "bun:test";
import { DebugLog, type DebugEntry } from "../../src/dashboard/debug-log";
import { LifecycleBus } from "../../src/engine/bus";

function setup(capacity = 10) {
  const bus = new LifecycleBus();
  let now = 1000;
  const log = new DebugLog(capacity, () => now++);
  log.start(bus);
  return { bus, log };
}

test("entries described on read match the events, in order, with ids and times", () => {
  const { bus, log } = setup();
  bus.emit("connected", { appId: "a", socketId: "1.2" });
  bus.emit("subscribed", { appId: "a", socketId: "1.2", channel: "room" });
  bus.emit("api_message", { appId: "a", channel: "room", event: "e", data: "{}", recipients: 1 });
  bus.emit("disconnected", { appId: "a", socketId: "1.2", code: 4200 });
  bus.emit("api_message", { appId: "b", channel: "other", event: "e", data: "x", recipients: 2 });
  expect(log.recent("a")).toEqual([
    { id: 1, at: 1000, type: "connected", socketId: "1.2" },
    { id: 2, at: 1001, type: "subscribed", socketId: "1.2", channel: "room" },
    { id: 3, at: 1002, type: "api_message", channel: "room", event: "e", data: "{}", info: "1 recipient" },
    { id: 4, at: 1003, type: "disconnected", socketId: "1.2", info: "close code 4200" },
  ]);
  expect(log.recent("a", 2).map((e) => e.id)).toEqual([3, 4]);
  expect(log.recent("b")).toEqual([{ id: 5, at: 1004, type: "api_message", channel: "other", event: "e", data: "x", info: "2 recipients" }]);
});

test("long data is cut to a preview and long names are clipped, whether described at once or later", () => {
  const { bus, log } = setup();
  const channel = `c${"x".repeat(400)}`;
  bus.emit("api_message", { appId: "a", channel, event: "e", data: "d".repeat(5000), recipients: 0 });
  bus.emit("subscribed", { appId: "a", socketId: "1.2", channel });
  const [message, subscribed] = log.recent("a");
  expect(message!.data).toBe(`${"d".repeat(2000)}… (5000 characters)`);
  expect(message!.channel).toBe(`${channel.slice(0, 300)}… (401 characters)`);
  expect(subscribed!.channel).toBe(message!.channel);
});

test("an open console gets each entry as it is recorded; the ring stays bounded", () => {
  const { bus, log } = setup(3);
  const seen: DebugEntry[] = [];
  const stop = log.listen("a", (entry) => seen.push(entry));
  for (let i = 0; i < 5; i++) bus.emit("occupied", { appId: "a", channel: `c${i}` });
  expect(seen.map((e) => e.channel)).toEqual(["c0", "c1", "c2", "c3", "c4"]);
  stop();
  bus.emit("occupied", { appId: "a", channel: "c5" });
  expect(seen).toHaveLength(5);
  expect(log.recent("a").map((e) => e.channel)).toEqual(["c3", "c4", "c5"]);
});

test("a full ring reuses its oldest slots: order, ids and entries read earlier stay right", () => {
  const { bus, log } = setup(3);
  for (let i = 0; i < 3; i++) bus.emit("subscribed", { appId: "a", socketId: `1.${i}`, channel: `c${i}` });
  const before = log.recent("a");
  // Wraps twice, over raw slots and over an entry described at once (long data).
  bus.emit("api_message", { appId: "a", channel: "m", event: "e", data: "d".repeat(3000), recipients: 0 });
  for (let i = 3; i < 8; i++) bus.emit("unsubscribed", { appId: "a", socketId: `1.${i}`, channel: `c${i}` });
  expect(log.recent("a")).toEqual([
    { id: 7, at: 1006, type: "unsubscribed", socketId: "1.5", channel: "c5" },
    { id: 8, at: 1007, type: "unsubscribed", socketId: "1.6", channel: "c6" },
    { id: 9, at: 1008, type: "unsubscribed", socketId: "1.7", channel: "c7" },
  ]);
  expect(log.recent("a", 8).map((e) => e.id)).toEqual([9]);
  expect(before).toEqual([
    { id: 1, at: 1000, type: "subscribed", socketId: "1.0", channel: "c0" },
    { id: 2, at: 1001, type: "subscribed", socketId: "1.1", channel: "c1" },
    { id: 3, at: 1002, type: "subscribed", socketId: "1.2", channel: "c2" },
  ]);
});
