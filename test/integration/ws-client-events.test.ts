/**
 * Client events (PUSHER-PROTOCOL.md §4, §3.3): delivered to the other subscribers of private and
 * presence channels, never echoed, user_id added on presence; every refusal is a pusher:error 4301
 * frame with the channel (never a close), except names outside client- (a different error).
 */
import { beforeAll, describe, expect, test } from "bun:test";
import type { App } from "../../src/engine/app";
import { useServer } from "../support/server";
import {
  cleanup,
  connectedClient,
  expectError,
  expectNoFrame,
  expectOpen,
  raw,
  roundTrip,
  type Socket,
  subscribed,
  subscribeRaw,
  waitFor,
} from "./ws-helpers";

const server = useServer({ cleanup });
let app: App;
let off: App;
beforeAll(async () => {
  app = server().createApp(["--client-events"]);
  off = server().createApp();
});

/** Two raw sockets subscribed to `channel` (with channel_data for presence). */
async function pair(channel: string, on: App = app): Promise<[Socket, Socket]> {
  const [a, b] = await Promise.all([raw(server(), on.key), raw(server(), on.key)]);
  const presence = channel.startsWith("presence-");
  await subscribeRaw(a, on, channel, presence ? '{"user_id":"ua"}' : undefined);
  await subscribeRaw(b, on, channel, presence ? '{"user_id":"ub"}' : undefined);
  if (presence) await a.next((f) => f.event === "pusher_internal:member_added");
  return [a, b];
}

const isClientEvent = (f: any) => typeof f.event === "string" && f.event.startsWith("client-");

describe("delivery", () => {
  test("private channel: delivered to the other subscriber, not echoed to the sender", async () => {
    const [a, b] = await pair("private-chat");
    a.send({ event: "client-typing", channel: "private-chat", data: { x: 1 } });
    expect(await b.next(isClientEvent)).toEqual({ event: "client-typing", channel: "private-chat", data: '{"x":1}' });
    await expectNoFrame(a);
  });

  test("string data (other SDKs) is forwarded as that string", async () => {
    const [a, b] = await pair("private-strings");
    a.send({ event: "client-s", channel: "private-strings", data: '{"y": 2}' });
    expect(await b.next(isClientEvent)).toEqual({ event: "client-s", channel: "private-strings", data: '{"y": 2}' });
  });

  test("presence channel: user_id of the sender is added; not echoed", async () => {
    const [a, b] = await pair("presence-chat");
    a.send({ event: "client-hello", channel: "presence-chat", data: { hi: true } });
    expect(await b.next(isClientEvent)).toEqual({
      event: "client-hello",
      channel: "presence-chat",
      data: '{"hi":true}',
      user_id: "ua",
    });
    await expectNoFrame(a, isClientEvent);
  });

  test("pusher-js on presence: the handler gets metadata.user_id; the sender gets nothing", async () => {
    const one = await connectedClient(server(), app, { presence: { user_id: "js-1" } });
    const two = await connectedClient(server(), app, { presence: { user_id: "js-2" } });
    const ch1 = one.subscribe("presence-js");
    const ch2 = two.subscribe("presence-js");
    await Promise.all([subscribed(ch1), subscribed(ch2)]);
    const echoed: unknown[] = [];
    ch1.bind("client-note", (d: unknown) => echoed.push(d));
    const received = waitFor<[unknown, any]>((cb) => ch2.bind("client-note", (d: unknown, m: any) => cb([d, m])));
    expect(ch1.trigger("client-note", { text: "hi" })).toBe(true);
    const [data, metadata] = await received;
    expect(data).toEqual({ text: "hi" });
    expect(metadata.user_id).toBe("js-1");
    // The server handled the client event before this ping on the same connection: an echo to the
    // sender would arrive before the pong.
    await roundTrip(one);
    expect(echoed).toEqual([]);
  });
});

describe("refusals (pusher:error 4301 with the channel; the socket stays open)", () => {
  async function refused(socket: Socket, frame: Record<string, unknown>, code: number | null, message: string) {
    socket.send(frame);
    await expectError(socket, code, message, frame.channel as string);
    await expectOpen(socket);
  }

  test("the app has client events off", async () => {
    const [a, b] = await pair("private-off", off);
    const message = "Client event client-x rejected: client events are not enabled for this app";
    await refused(a, { event: "client-x", channel: "private-off", data: {} }, 4301, message);
    await expectNoFrame(b, isClientEvent);
  });

  test("public channel", async () => {
    const [a, b] = await pair("public-chat");
    const message = "Client event client-x rejected: client events are only allowed on private and presence channels";
    await refused(a, { event: "client-x", channel: "public-chat", data: {} }, 4301, message);
    await expectNoFrame(b, isClientEvent);
  });

  test("encrypted channel", async () => {
    const [a, b] = await pair("private-encrypted-chat");
    const message = "Client event client-x rejected: client events are not supported on encrypted channels";
    await refused(a, { event: "client-x", channel: "private-encrypted-chat", data: {} }, 4301, message);
    await expectNoFrame(b, isClientEvent);
  });

  test("not subscribed to the channel", async () => {
    const [, b] = await pair("private-members");
    const outsider = await raw(server(), app.key);
    const message = "Client event client-x rejected: not subscribed to channel private-members";
    await refused(outsider, { event: "client-x", channel: "private-members", data: {} }, 4301, message);
    await expectNoFrame(b, isClientEvent);
  });

  test("a name not starting with client- is a different error (code null)", async () => {
    const [a, b] = await pair("private-names");
    const message = "Unsupported event 'typing': clients may send pusher: commands and client- events only";
    await refused(a, { event: "typing", channel: "private-names", data: {} }, null, message);
    await expectNoFrame(b);
  });

  test("data over 10240 bytes", async () => {
    const [a, b] = await pair("private-big");
    const message = "Client event client-big rejected: data is 10241 bytes, the limit is 10240";
    await refused(a, { event: "client-big", channel: "private-big", data: "x".repeat(10241) }, 4301, message);
    await expectNoFrame(b, isClientEvent);
    // 10240 bytes exactly is delivered.
    a.send({ event: "client-big", channel: "private-big", data: "x".repeat(10240) });
    expect((await b.next(isClientEvent)).data).toHaveLength(10240);
  });

  test("at the highest maxMessageBytes, data that doubles when JSON-escaped still passes the transport", async () => {
    // The setting's range stops where a frame of fully escaped data still fits Bun's 1 MiB maxPayloadLength.
    const big = server().createApp(["--client-events", "--max-message-bytes", "512000"]);
    const [a, b] = await pair("private-huge", big);
    const data = '"'.repeat(512000);
    a.send({ event: "client-huge", channel: "private-huge", data });
    expect((await b.next(isClientEvent)).data).toBe(data);
    await expectOpen(a);
    const message = "Client event client-huge rejected: data is 512001 bytes, the limit is 512000";
    await refused(a, { event: "client-huge", channel: "private-huge", data: data + '"' }, 4301, message);
  });

  test("the 11th event within one second (rate limit)", async () => {
    const [a, b] = await pair("private-rate");
    for (let i = 1; i <= 11; i++) a.send({ event: "client-n", channel: "private-rate", data: { i } });
    const message = "Client event rejected due to rate limit: at most 10 per second";
    await expectError(a, 4301, message, "private-rate");
    for (let i = 1; i <= 10; i++) expect(await b.next(isClientEvent)).toEqual({ event: "client-n", channel: "private-rate", data: `{"i":${i}}` });
    await expectNoFrame(b, isClientEvent);
    await expectOpen(a);
    expect(a.frames.filter((f) => f.event === "pusher:error")).toEqual([]);
  });
});
