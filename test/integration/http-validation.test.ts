/**
 * Validation of trigger and batch bodies against the real server (§5.3, §5.4, §7.1 limits), each
 * refusal with its exact status and body; requests are correctly signed so only the body is at fault.
 */
import { beforeAll, describe, expect, test } from "bun:test";
import type { App } from "../../src/engine/app";
import { useServer } from "../support/server";
import { eventually } from "../support/wait";
import { signedFetch, signedQuery } from "../unit/signing";

const server = useServer();
let app: App;

beforeAll(async () => {
  app = server().createApp();
});

function post(endpoint: "events" | "batch_events", body: unknown, target: App = app) {
  return signedFetch(server().url, {
    key: target.key,
    secret: target.secret,
    method: "POST",
    path: `/apps/${target.id}/${endpoint}`,
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
}
const trigger = (body: unknown, target?: App) => post("events", body, target);
const refused = (status: number, error: string) => ({ status, body: { error } });
const ok = { status: 200, body: {} };
const valid = { name: "my-event", channel: "my-channel", data: "{}" };
const CHARSET = "Invalid channel name '%s': use only the characters A-Z a-z 0-9 _ - = @ , . ;";

describe("POST /events body", () => {
  test.each([
    ["not JSON", "{name:", 400, "Invalid JSON in request body"],
    ["a JSON array", "[]", 400, "The request body must be a JSON object"],
    ["JSON null", "null", 400, "The request body must be a JSON object"],
  ])("%s", async (_what, body, status, error) => {
    expect(await trigger(body)).toEqual(refused(status, error));
  });

  test.each([
    ["missing name", { channel: "c", data: "{}" }, "Missing or invalid 'name': it must be a string"],
    ["name not a string", { name: 5, channel: "c", data: "{}" }, "Missing or invalid 'name': it must be a string"],
    ["missing data", { name: "e", channel: "c" }, "Missing or invalid 'data': it must be a string (JSON-encode objects first)"],
    ["data is an object", { name: "e", channel: "c", data: { a: 1 } }, "Missing or invalid 'data': it must be a string (JSON-encode objects first)"],
    ["data is a number", { name: "e", channel: "c", data: 1 }, "Missing or invalid 'data': it must be a string (JSON-encode objects first)"],
    ["no channel(s)", { name: "e", data: "{}" }, "Missing 'channels' or 'channel'"],
    ["empty channels", { name: "e", channels: [], data: "{}" }, "'channels' must be a non-empty array of channel names"],
    ["channels not an array", { name: "e", channels: "c", data: "{}" }, "'channels' must be a non-empty array of channel names"],
    ["a channel name with a space", { name: "e", channels: ["ok", "bad name"], data: "{}" }, CHARSET.replace("%s", "bad name")],
    ["a # channel other than #server-to-user-", { name: "e", channel: "#other", data: "{}" }, CHARSET.replace("%s", "#other")],
    ["a channel that is not a string", { name: "e", channels: [42], data: "{}" }, "Channel name must be a non-empty string"],
    ["an empty channel name", { name: "e", channel: "", data: "{}" }, "Channel name must be a non-empty string"],
    ["a 201-character channel name", { name: "e", channel: "c".repeat(201), data: "{}" }, "Channel name too long: 201 characters, the limit is 200"],
    ["an empty event name", { name: "", channel: "c", data: "{}" }, "Invalid event name: event name must be a non-empty string"],
    ["a 201-character event name", { name: "e".repeat(201), channel: "c", data: "{}" }, "Invalid event name: event name is 201 characters, the limit is 200"],
    ["socket_id without a dot", { ...valid, socket_id: "123" }, "Invalid socket_id '123': it must match ^\\d+\\.\\d+$"],
    ["socket_id with letters", { ...valid, socket_id: "1.2a" }, "Invalid socket_id '1.2a': it must match ^\\d+\\.\\d+$"],
    ["socket_id not a string", { ...valid, socket_id: 1.2 }, "Invalid socket_id '1.2': it must match ^\\d+\\.\\d+$"],
    ["unknown info attribute", { ...valid, info: "user_count,occupied" }, "Unknown info attribute 'occupied': use user_count, subscription_count"],
  ])("%s → 400", async (_what, body, error) => {
    expect(await trigger(body)).toEqual(refused(400, error));
  });

  test("100 channels are accepted, 101 are a 400", async () => {
    const names = Array.from({ length: 101 }, (_, i) => `ch-${i}`);
    expect(await trigger({ name: "e", channels: names.slice(0, 100), data: "{}" })).toEqual(ok);
    expect(await trigger({ name: "e", channels: names, data: "{}" })).toEqual(refused(400, "Too many channels: 101, the limit is 100"));
  });

  test("200-character event and channel names are accepted", async () => {
    expect(await trigger({ name: "e".repeat(200), channel: "c".repeat(200), data: "{}" })).toEqual(ok);
  });

  test("#server-to-user-{id} is a legal target; its id is not held to the charset (§3.5)", async () => {
    expect(await trigger({ name: "notify", channel: "#server-to-user-a b/c", data: "{}" })).toEqual(ok);
  });

  test("data of 10240 bytes is accepted; 10241 bytes is a 413", async () => {
    expect(await trigger({ ...valid, data: "x".repeat(10240) })).toEqual(ok);
    expect(await trigger({ ...valid, data: "x".repeat(10241) })).toEqual(
      refused(413, "Payload too large: data is 10241 bytes, the limit is 10240"),
    );
  });

  test("data size is counted in UTF-8 bytes, not characters", async () => {
    const data = "é".repeat(5121); // 5121 characters, 10242 bytes
    expect(await trigger({ ...valid, data })).toEqual(refused(413, "Payload too large: data is 10242 bytes, the limit is 10240"));
  });

  test("unknown body keys are ignored (§5.1)", async () => {
    expect(await trigger({ ...valid, extra: true })).toEqual(ok);
  });

  test("the body is parsed as JSON whatever the Content-Type (§5.1)", async () => {
    // signedFetch sends application/json; a text/plain body must verify and parse the same.
    const body = JSON.stringify(valid);
    const query = signedQuery({ key: app.key, secret: app.secret, method: "POST", path: `/apps/${app.id}/events`, body });
    const res = await fetch(`${server().url}/apps/${app.id}/events?${query}`, {
      method: "POST",
      headers: { "content-type": "text/plain" },
      body,
    });
    expect({ status: res.status, body: await res.json() }).toEqual(ok);
  });
});

describe("event names: strict rule, and lenient after apps update (Laravel)", () => {
  const laravel = { name: "App\\Events\\OrderShipped", channel: "orders", data: "{}" };
  const strictError = (name: string) =>
    `Invalid event name: invalid event name '${name}': names must match [A-Za-z0-9_\\-:.]+ (enable the app setting lenientEventNames to accept any name up to 200 characters, e.g. Laravel class names)`;

  test("refused by default, accepted once the app enables lenient event names", async () => {
    const laravelApp = server().createApp();
    expect(await trigger(laravel, laravelApp)).toEqual(refused(400, strictError("App\\Events\\OrderShipped")));
    expect(await trigger({ ...laravel, name: "has space" }, laravelApp)).toEqual(refused(400, strictError("has space")));

    const update = server().cli(["apps", "update", laravelApp.id, "--lenient-event-names"]);
    expect(update.code).toBe(0);
    // The running server notices a CLI change within ~250 ms (AppChangeWatcher); poll for it.
    const res = await eventually(() => trigger(laravel, laravelApp), (r) => r.status === 200, 5000);
    expect(res).toEqual(ok);
    expect(await trigger({ ...laravel, name: "has space" }, laravelApp)).toEqual(ok);
    // The length limit still applies.
    expect(await trigger({ ...laravel, name: "E".repeat(201) }, laravelApp)).toEqual(
      refused(400, "Invalid event name: event name is 201 characters, the limit is 200"),
    );
  });
});

describe("POST /batch_events body", () => {
  const item = (i: number) => ({ channel: `batch-${i}`, name: "e", data: String(i) });

  test("10 events are accepted, 11 are a 400", async () => {
    const items = Array.from({ length: 11 }, (_, i) => item(i));
    expect(await post("batch_events", { batch: items.slice(0, 10) })).toEqual(ok);
    expect(await post("batch_events", { batch: items })).toEqual(refused(400, "Batch too large: 11 events, the limit is 10"));
  });

  test.each([
    ["no batch", {}, "Missing 'batch': it must be an array of events"],
    ["batch not an array", { batch: { channel: "a" } }, "Missing 'batch': it must be an array of events"],
    ["an item that is not an object", { batch: [item(0), "x"] }, "Batch event 1 must be a JSON object"],
    ["an item without channel", { batch: [{ name: "e", data: "d" }] }, "Batch event 0: Each batch event needs a 'channel' string"],
    ["an item without name", { batch: [item(0), { channel: "c", data: "d" }] }, "Batch event 1: Missing or invalid 'name': it must be a string"],
    ["an item with object data", { batch: [{ channel: "c", name: "e", data: {} }] }, "Batch event 0: Missing or invalid 'data': it must be a string (JSON-encode objects first)"],
    ["an item with a bad channel", { batch: [{ channel: "a:b", name: "e", data: "d" }] }, `Batch event 0: ${CHARSET.replace("%s", "a:b")}`],
    ["an item with a bad socket_id", { batch: [{ ...item(0), socket_id: "x" }] }, "Batch event 0: Invalid socket_id 'x': it must match ^\\d+\\.\\d+$"],
    ["an item with unknown info", { batch: [{ ...item(0), info: "foo" }] }, "Batch event 0: Unknown info attribute 'foo': use user_count, subscription_count"],
  ])("%s → 400", async (_what, body, error) => {
    expect(await post("batch_events", body)).toEqual(refused(400, error));
  });

  test("an item with data over 10240 bytes is a 413", async () => {
    expect(await post("batch_events", { batch: [item(0), { ...item(1), data: "x".repeat(10241) }] })).toEqual(
      refused(413, "Batch event 1: Payload too large: data is 10241 bytes, the limit is 10240"),
    );
  });
});
