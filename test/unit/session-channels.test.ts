/** A socket's channels without a Map for the common one-channel case: Map semantics, insertion order. */
import { expect, test } from "bun:test";
import { Session, SocketChannels } from "../../src/engine/session";

test("SocketChannels behaves like a Map of channels, in insertion order, through deletes", () => {
  const c = new SocketChannels();
  const sub = { userId: "u" };
  expect(c.size).toBe(0);
  expect([...c.keys()]).toEqual([]);
  c.set("a", {});
  c.set("b", sub);
  c.set("c", {});
  c.set("a", sub); // replacing keeps the position
  expect([...c.keys()]).toEqual(["a", "b", "c"]);
  expect(c.get("a")).toBe(sub);
  expect(c.has("b") && !c.has("x")).toBe(true);
  expect(c.delete("a")).toBe(true);
  expect([...c.keys()]).toEqual(["b", "c"]);
  expect(c.get("b")).toBe(sub);
  expect(c.delete("x")).toBe(false);
  expect(c.delete("c")).toBe(true);
  c.set("d", {});
  expect([...c.keys()]).toEqual(["b", "d"]);
  expect(c.delete("b") && c.delete("d")).toBe(true);
  expect(c.size).toBe(0);
  c.set("e", {});
  expect([...c.keys()]).toEqual(["e"]);
});

test("Session keeps rare state and flags behind accessors", () => {
  const s = new Session("1.2", {} as never, {} as never, 5, "k");
  expect([s.user, s.pending, s.rateWindowStart, s.rateWindowCount, s.authorized, s.closed]).toEqual([undefined, undefined, 0, 0, false, false]);
  s.authorized = true;
  s.closed = true;
  s.rateWindowCount = 3;
  expect([s.authorized, s.closed, s.rateWindowCount, s.connectedAt, s.lastSeen]).toEqual([true, true, 3, 5, 5]);
  s.authorized = false;
  expect([s.authorized, s.closed]).toEqual([false, true]);
});
