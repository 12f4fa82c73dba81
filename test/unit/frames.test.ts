/** Frame encoders produce exactly the documented frames (§1.2–§2.5); parseFrame/commandData errors. */
import { describe, expect, test } from "bun:test";
import { Code, PusherError } from "../../src/protocol/errors";
import {
  channelFrame,
  commandData,
  connectionEstablished,
  errorFrame,
  eventFrame,
  parseFrame,
  PING,
  PONG,
  subscriptionErrorFrame,
  subscriptionSucceeded,
} from "../../src/protocol/frames";

describe("encoders", () => {
  test("connection_established: data is a JSON string with socket_id and activity_timeout (§1.3)", () => {
    expect(connectionEstablished("264774.13368624", 120)).toBe(
      `{"event":"pusher:connection_established","data":"{\\"socket_id\\":\\"264774.13368624\\",\\"activity_timeout\\":120}"}`,
    );
  });

  test("pusher:error: data is an object, code may be null (§1.6)", () => {
    expect(errorFrame(new PusherError(Code.APP_NOT_FOUND, "App key not found"))).toBe(
      `{"event":"pusher:error","data":{"code":4001,"message":"App key not found"}}`,
    );
    expect(errorFrame({ code: null, message: `bad "sig"` })).toBe(
      `{"event":"pusher:error","data":{"code":null,"message":"bad \\"sig\\""}}`,
    );
  });

  test("pusher:error with a channel carries it at the top level (§4)", () => {
    expect(errorFrame(new PusherError(Code.CLIENT_EVENT_REJECTED, "nope", "private-1"))).toBe(
      `{"event":"pusher:error","channel":"private-1","data":{"code":4301,"message":"nope"}}`,
    );
  });

  test("subscription_succeeded for a non-presence channel has data \"{}\" (§2.4)", () => {
    expect(subscriptionSucceeded("my-channel")).toBe(
      `{"event":"pusher_internal:subscription_succeeded","channel":"my-channel","data":"{}"}`,
    );
  });

  test("subscription_succeeded's short form is the general encoder's frame, escapes included", () => {
    for (const channel of ["my-channel", "private-a", 'c"q', "c\\b", "c\u00e9", "c\u2028", "#server-to-user-1"]) {
      expect(subscriptionSucceeded(channel)).toBe(eventFrame("pusher_internal:subscription_succeeded", channel, "{}"));
    }
  });

  test("subscription_succeeded for presence carries ids, hash (null info kept) and count (§2.4)", () => {
    const frame = subscriptionSucceeded("presence-room", {
      ids: ["u1", "u2"],
      hash: { u1: { name: "A" }, u2: null },
      count: 2,
    });
    expect(frame).toBe(
      `{"event":"pusher_internal:subscription_succeeded","channel":"presence-room","data":"{\\"presence\\":{\\"ids\\":[\\"u1\\",\\"u2\\"],\\"hash\\":{\\"u1\\":{\\"name\\":\\"A\\"},\\"u2\\":null},\\"count\\":2}}"}`,
    );
    expect(JSON.parse(JSON.parse(frame).data)).toEqual({
      presence: { ids: ["u1", "u2"], hash: { u1: { name: "A" }, u2: null }, count: 2 },
    });
  });

  test("member_added / member_removed (§2.5)", () => {
    expect(channelFrame("pusher_internal:member_added", "presence-room", { user_id: "u2", user_info: { name: "B" } })).toBe(
      `{"event":"pusher_internal:member_added","channel":"presence-room","data":"{\\"user_id\\":\\"u2\\",\\"user_info\\":{\\"name\\":\\"B\\"}}"}`,
    );
    expect(channelFrame("pusher_internal:member_removed", "presence-room", { user_id: "u2" })).toBe(
      `{"event":"pusher_internal:member_removed","channel":"presence-room","data":"{\\"user_id\\":\\"u2\\"}"}`,
    );
  });

  test("an event's data string is delivered byte-for-byte inside the frame (§1.2)", () => {
    const data = `{"b":1,  "a":"\u00e9\\u00e9"}`;
    const frame = eventFrame("my-event", "my-channel", data);
    expect(JSON.parse(frame)).toEqual({ event: "my-event", channel: "my-channel", data });
    expect(eventFrame("e", "c", "hello")).toBe(`{"event":"e","channel":"c","data":"hello"}`);
  });

  test("a client event on presence adds user_id (§4 rule 6)", () => {
    expect(eventFrame("client-typing", "presence-1", `{"x":1}`, "u1")).toBe(
      `{"event":"client-typing","channel":"presence-1","data":"{\\"x\\":1}","user_id":"u1"}`,
    );
  });

  test("ping and pong are Pusher's string-data forms (§1.4)", () => {
    expect(PING).toBe(`{"event":"pusher:ping","data":"{}"}`);
    expect(PONG).toBe(`{"event":"pusher:pong","data":"{}"}`);
  });

  test("subscription_error: channel plus {type,error,status} as a JSON string, like every non-error frame (§1.2, §2.6)", () => {
    // soketi sends `data` as an object; §1.2 says every server frame but pusher:error carries a string,
    // which SDKs other than pusher-js expect. pusher-js decodes either form.
    const frame = subscriptionErrorFrame("private-x", "AuthError", "bad sig", 401);
    expect(frame).toBe(
      `{"event":"pusher:subscription_error","channel":"private-x","data":"{\\"type\\":\\"AuthError\\",\\"error\\":\\"bad sig\\",\\"status\\":401}"}`,
    );
  });
});

function pusherErrorOf(fn: () => unknown): { code: number | null; message: string } {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(PusherError);
    return { code: (err as PusherError).code, message: (err as PusherError).message };
  }
  throw new Error("no error thrown");
}

describe("parseFrame", () => {
  test("accepts what pusher-js sends (§2.3)", () => {
    expect(parseFrame(`{"event":"pusher:subscribe","data":{"auth":"","channel":"public-1"}}`)).toEqual({
      event: "pusher:subscribe",
      channel: undefined,
      data: { auth: "", channel: "public-1" },
    });
    expect(parseFrame(`{"event":"client-x","channel":"private-1","data":"s"}`)).toEqual({
      event: "client-x",
      channel: "private-1",
      data: "s",
    });
  });

  test.each([
    ["not json", "Invalid message: not valid JSON"],
    ["", "Invalid message: not valid JSON"],
    ["[]", "Invalid message: expected a JSON object"],
    ["null", "Invalid message: expected a JSON object"],
    ['"text"', "Invalid message: expected a JSON object"],
    ["42", "Invalid message: expected a JSON object"],
    ["{}", "Invalid message: missing the string field 'event'"],
    ['{"event":""}', "Invalid message: missing the string field 'event'"],
    ['{"event":5}', "Invalid message: missing the string field 'event'"],
    ['{"event":"client-x","channel":7}', "Invalid message: 'channel' must be a string"],
  ])("%p → %s (code null: the socket stays open)", (text, message) => {
    expect(pusherErrorOf(() => parseFrame(text))).toEqual({ code: null, message });
  });
});

describe("commandData", () => {
  const frame = (data: unknown) => ({ event: "pusher:subscribe", data });

  test("object data as sent by pusher-js", () => {
    expect(commandData(frame({ channel: "a" }))).toEqual({ channel: "a" });
  });

  test("string data as sent by other SDKs is decoded (§1.2)", () => {
    expect(commandData(frame(`{"channel":"a","auth":""}`))).toEqual({ channel: "a", auth: "" });
  });

  test("missing or null data is an empty object", () => {
    expect(commandData(frame(undefined))).toEqual({});
    expect(commandData(frame(null))).toEqual({});
  });

  test.each([["not json"], [[1, 2]], [42], [true], ["[1]"], ["42"]])("%p is refused", (data) => {
    expect(pusherErrorOf(() => commandData(frame(data)))).toEqual({
      code: null,
      message: "Invalid message: 'data' of pusher:subscribe must be a JSON object",
    });
  });
});

test("connection_established: the concatenated form equals the general encoding, for plain and odd ids", () => {
  const q = JSON.stringify;
  for (const [id, timeout] of [["123.456", 120], ["4294967295.1", 30], ['a"b\\c', 120], ["1.2", 1.5]] as const) {
    expect(connectionEstablished(id, timeout)).toBe(`{"event":"pusher:connection_established","data":${q(`{"socket_id":${q(id)},"activity_timeout":${timeout}}`)}}`);
  }
});
