/**
 * Malformed input on raw sockets (PUSHER-PROTOCOL.md §1.2, §1.6): each bad frame gets an exact
 * pusher:error (code null) and the socket stays open; a storm of bad frames from one socket does not
 * disturb other sockets of the same app.
 */
import { beforeAll, describe, expect, test } from "bun:test";
import type { App } from "../../src/engine/app";
import { useServer } from "../support/server";
import { cleanup, expectError, expectNoFrame, expectOpen, raw, serverSdk, subscribeRaw } from "./ws-helpers";

const server = useServer({ cleanup });
let app: App;
beforeAll(async () => {
  app = server().createApp();
});

describe("bad frames → pusher:error, socket stays open", () => {
  const cases: Array<[string, string, string]> = [
    ["not JSON", "nope{", "Invalid message: not valid JSON"],
    ["an empty frame", "", "Invalid message: not valid JSON"],
    ["a JSON array", '[{"event":"pusher:ping"}]', "Invalid message: expected a JSON object"],
    ["a JSON string", '"pusher:ping"', "Invalid message: expected a JSON object"],
    ["JSON null", "null", "Invalid message: expected a JSON object"],
    ["a missing event", '{"data":{}}', "Invalid message: missing the string field 'event'"],
    ["an event that is not a string", '{"event":42,"data":{}}', "Invalid message: missing the string field 'event'"],
    ["an empty event", '{"event":"","data":{}}', "Invalid message: missing the string field 'event'"],
    ["a channel that is not a string", '{"event":"client-x","channel":7,"data":{}}', "Invalid message: 'channel' must be a string"],
    ["an unknown pusher: command", '{"event":"pusher:foo","data":{}}', "Unsupported event 'pusher:foo'"],
    ["a pusher_internal: event", '{"event":"pusher_internal:member_added","data":{}}', "Unsupported event 'pusher_internal:member_added'"],
    ["subscribe without channel", '{"event":"pusher:subscribe","data":{"auth":""}}', "Invalid pusher:subscribe: 'channel' must be a string"],
    ["subscribe without data", '{"event":"pusher:subscribe"}', "Invalid pusher:subscribe: 'channel' must be a string"],
    ["subscribe with a numeric channel", '{"event":"pusher:subscribe","data":{"channel":5}}', "Invalid pusher:subscribe: 'channel' must be a string"],
    ["subscribe with data an array", '{"event":"pusher:subscribe","data":[]}', "Invalid message: 'data' of pusher:subscribe must be a JSON object"],
    ["subscribe with data a non-JSON string", '{"event":"pusher:subscribe","data":"chan"}', "Invalid message: 'data' of pusher:subscribe must be a JSON object"],
    ["unsubscribe without channel", '{"event":"pusher:unsubscribe","data":{}}', "Invalid pusher:unsubscribe: 'channel' must be a string"],
  ];
  for (const [what, text, message] of cases) {
    test(what, async () => {
      const socket = await raw(server(), app.key);
      socket.send(text);
      await expectError(socket, null, message);
      await expectOpen(socket);
    });
  }

  test("a binary frame", async () => {
    const socket = await raw(server(), app.key);
    socket.ws.send(new TextEncoder().encode('{"event":"pusher:ping","data":{}}'));
    await expectError(socket, null, "Binary frames are not supported: send JSON text frames");
    await expectOpen(socket);
  });

  test("a huge (200 KB) text frame", async () => {
    const socket = await raw(server(), app.key);
    const text = JSON.stringify({ event: "client-x", channel: "private-x", data: "x".repeat(200 * 1024) });
    socket.send(text);
    await expectError(socket, null, `Message too large: ${text.length} characters, the limit is 24576`);
    await expectOpen(socket);
  });

  test("unsubscribe from a channel the socket is not in: no answer at all", async () => {
    const socket = await raw(server(), app.key);
    socket.send({ event: "pusher:unsubscribe", data: { channel: "never-joined" } });
    await expectNoFrame(socket);
    await expectOpen(socket);
  });
});

test("subscribe with data as a JSON string (other SDKs) works", async () => {
  const socket = await raw(server(), app.key);
  socket.send({ event: "pusher:subscribe", data: JSON.stringify({ auth: "", channel: "string-data" }) });
  expect(await socket.next((f) => f.event === "pusher_internal:subscription_succeeded")).toEqual({
    event: "pusher_internal:subscription_succeeded",
    channel: "string-data",
    data: "{}",
  });
});

test("subscribe without auth or with channel_data null (other SDKs) works on public channels", async () => {
  const socket = await raw(server(), app.key);
  socket.send({ event: "pusher:subscribe", data: { channel: "no-auth" } });
  socket.send({ event: "pusher:subscribe", data: { channel: "null-data", auth: "", channel_data: null } });
  await socket.next((f) => f.event === "pusher_internal:subscription_succeeded" && f.channel === "no-auth");
  await socket.next((f) => f.event === "pusher_internal:subscription_succeeded" && f.channel === "null-data");
});

test("a malformed storm from one socket does not disturb another socket of the same app", async () => {
  const [noisy, quiet] = await Promise.all([raw(server(), app.key), raw(server(), app.key)]);
  await subscribeRaw(quiet, app, "calm");
  await subscribeRaw(noisy, app, "calm");
  const junk = ["nope{", "[]", '"x"', '{"data":1}', '{"event":"pusher:foo"}', '{"event":"pusher:subscribe","data":{}}'];
  for (let i = 0; i < 300; i++) noisy.send(junk[i % junk.length]!);
  noisy.ws.send(new Uint8Array([1, 2, 3]));
  await serverSdk(server(), app).trigger("calm", "still-here", { ok: true });
  expect(await quiet.next((f) => f.event === "still-here")).toEqual({ event: "still-here", channel: "calm", data: '{"ok":true}' });
  expect(quiet.frames.filter((f) => f.event === "pusher:error")).toEqual([]);
  await expectOpen(quiet);
  // The noisy socket got one error per bad frame, is still open and still subscribed.
  await expectOpen(noisy);
  expect(noisy.frames.filter((f) => f.event === "pusher:error")).toHaveLength(301);
  expect(await noisy.next((f) => f.event === "still-here")).toEqual({ event: "still-here", channel: "calm", data: '{"ok":true}' });
});
