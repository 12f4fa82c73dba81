/**
 * App changes made with the CLI while the server runs (the server polls the store every 250 ms):
 * new apps work at once; disabling closes live connections with 4003; enabling client events applies
 * to live connections; deleting closes with 4001. "Within 1 s" is measured from the CLI's exit.
 */
import { expect, test } from "bun:test";
import type { App } from "../../src/engine/app";
import { useServer } from "../support/server";
import { eventually } from "../support/wait";
import {
  cleanup,
  connectedClient,
  expectError,
  raw,
  rawUrl,
  serverSdk,
  stateReached,
  subscribed,
  subscribeRaw,
  waitFor,
} from "./ws-helpers";

const server = useServer({ cleanup });

function cli(args: string[]): void {
  const r = server().cli(args);
  if (r.code !== 0) throw new Error(`mawjly ${args.join(" ")} failed (${r.code}): ${r.stderr}`);
}

test("an app created while the server runs works at once", async () => {
  const app = server().createApp();
  const socket = await raw(server(), app.key);
  expect(socket.established.event).toBe("pusher:connection_established");
  const c = await connectedClient(server(), app);
  const channel = c.subscribe("fresh");
  await subscribed(channel);
  const got = waitFor((cb) => channel.bind("hello", cb));
  await serverSdk(server(), app).trigger("fresh", "hello", { new: true });
  expect(await got).toEqual({ new: true });
});

test("apps update --disabled closes live connections with 4003 within 1 s", async () => {
  const app = server().createApp();
  const [a, b] = await Promise.all([raw(server(), app.key), raw(server(), app.key)]);
  const c = await connectedClient(server(), app);
  const jsError = waitFor<any>((cb) => c.connection.bind("error", cb));
  cli(["apps", "update", app.id, "--disabled"]);
  const start = Date.now();
  for (const socket of [a, b]) expect(await socket.closed(1000)).toEqual({ code: 4003, reason: "App is disabled" });
  expect(await jsError).toEqual({ type: "PusherError", data: { code: 4003, message: "App is disabled" } });
  await stateReached(c, "disconnected", 1000);
  expect(Date.now() - start).toBeLessThan(1000);

  // New connections are refused too, and work again once re-enabled.
  const { socket: refused } = rawUrl(`${server().wsUrl}/app/${app.key}?protocol=7`);
  expect(await refused.next(() => true)).toEqual({ event: "pusher:error", data: { code: 4003, message: "App is disabled" } });
  expect((await refused.closed()).code).toBe(4003);
  cli(["apps", "update", app.id, "--enabled"]);
  const accepted = await eventually(async () => (await raw(server(), app.key)).established.event, (event) => event === "pusher:connection_established", 1000);
  expect(accepted).toBe("pusher:connection_established");
});

test("apps update --client-events enables client events on live connections within 1 s", async () => {
  const app = server().createApp();
  const [a, b] = await Promise.all([raw(server(), app.key), raw(server(), app.key)]);
  await subscribeRaw(a, app, "private-live");
  await subscribeRaw(b, app, "private-live");
  const frame = { event: "client-x", channel: "private-live", data: { n: 1 } };
  a.send(frame);
  await expectError(a, 4301, "Client event client-x rejected: client events are not enabled for this app", "private-live");

  cli(["apps", "update", app.id, "--client-events"]);
  const start = Date.now();
  // No event announces the change: retry every 100 ms until the other socket receives the event.
  let delivered: any;
  while (delivered === undefined && Date.now() - start < 1000) {
    a.send(frame);
    delivered = await b.next((f) => f.event === "client-x", 100).catch(() => undefined);
  }
  expect(delivered).toEqual({ event: "client-x", channel: "private-live", data: '{"n":1}' });
  expect(Date.now() - start).toBeLessThan(1000);
  expect(a.closeCode).toBeUndefined();
});

test("apps delete closes live connections with 4001 within 1 s", async () => {
  // An app the server has seen in a store poll (the next test deletes one within a poll). No event
  // shows a poll, but a later CLI change taking effect does: the poll that applies it reads every
  // app's revision, this app's included.
  const app = server().createApp();
  const marker = server().createApp();
  const markerSocket = await raw(server(), marker.key);
  cli(["apps", "delete", marker.id]);
  expect(await markerSocket.closed()).toEqual({ code: 4001, reason: "App key not found" });
  const socket = await raw(server(), app.key);
  const c = await connectedClient(server(), app);
  cli(["apps", "delete", app.id]);
  const start = Date.now();
  expect(await socket.closed(1000)).toEqual({ code: 4001, reason: "App key not found" });
  await stateReached(c, "disconnected", 1000);
  expect(Date.now() - start).toBeLessThan(1000);
  const { socket: refused } = rawUrl(`${server().wsUrl}/app/${app.key}?protocol=7`);
  expect(await refused.next(() => true)).toEqual({ event: "pusher:error", data: { code: 4001, message: "App key not found" } });
});

test("apps delete right after apps create (within one store poll) still closes live connections with 4001", async () => {
  // Each create→delete gap is one CLI run (~100-150 ms), so about half the rounds fall inside one
  // 250 ms poll interval of the server; eight rounds make a miss of that case unlikely.
  for (let round = 1; round <= 8; round++) {
    const app = server().createApp();
    const socket = await raw(server(), app.key);
    cli(["apps", "delete", app.id]);
    const closed = await socket.closed(1000).catch(() => ({ code: "still open after 1 s", round }));
    expect(closed).toEqual({ code: 4001, reason: "App key not found" });
  }
});
