/** The removal delay's holds (§6.4) with a fake clock: cancel inside the window only, restore, sweep. */
import { expect, test } from "bun:test";
import { channelHoldKey, memberHoldKey, RemovalHolds } from "../../src/webhooks/holds";
import { FakeClock } from "./fakes";

test("the twin inside the window takes the held rows; at or after the end it does not", () => {
  const clock = new FakeClock(1000);
  const holds = new RemovalHolds(clock);
  const rows = [{ endpointId: "e1", seq: 7 }];
  holds.hold(channelHoldKey("app", "c"), 4000, rows);
  clock.advance(2999);
  expect(holds.take(channelHoldKey("app", "c"))).toBe(rows);
  expect(holds.take(channelHoldKey("app", "c"))).toBeUndefined(); // taken once

  holds.hold(channelHoldKey("app", "c"), 5000, rows);
  clock.ms = 5000; // the dispatcher may take the row now (ready_ms <= now): too late to cancel
  expect(holds.take(channelHoldKey("app", "c"))).toBeUndefined();
});

test("keys separate apps, channels and users", () => {
  const holds = new RemovalHolds(new FakeClock(0));
  holds.hold(memberHoldKey("app", "presence-x", "u1"), 100, []);
  expect(holds.take(memberHoldKey("app", "presence-x", "u2"))).toBeUndefined();
  expect(holds.take(memberHoldKey("other", "presence-x", "u1"))).toBeUndefined();
  expect(holds.take(channelHoldKey("app", "presence-x"))).toBeUndefined();
  expect(holds.take(memberHoldKey("app", "presence-x", "u1"))).toEqual([]);
});

test("restore groups rows of one removal; sweep forgets expired holds", () => {
  const clock = new FakeClock(0);
  const holds = new RemovalHolds(clock);
  const key = channelHoldKey("app", "c");
  holds.restore(key, 100, { endpointId: "e1", seq: 1 });
  holds.restore(key, 100, { endpointId: "e2", seq: 2 });
  holds.hold(channelHoldKey("app", "d"), 50, []);
  clock.ms = 60;
  holds.sweep();
  expect(holds.size).toBe(1);
  expect(holds.take(key)).toEqual([{ endpointId: "e1", seq: 1 }, { endpointId: "e2", seq: 2 }]);
});
