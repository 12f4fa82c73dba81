/**
 * Webhook payloads and headers (PUSHER-PROTOCOL.md §6.1, §6.3): the worked signature vector, each
 * event type's fields, verification by the official `pusher` SDK, and header-name case on the wire.
 */
import { describe, expect, test } from "bun:test";
import { createServer } from "node:http";
import Pusher from "pusher";
import { toWebhookEvent, testEvent, webhookBody, webhookHeaders } from "../../src/webhooks/payloads";
import { EVENT_TYPES } from "../../src/webhooks/event-types";
import { postWebhook } from "../../src/webhooks/sender";

const KEY = "278d425bdf160c739803";
const SECRET = "7ad3773142a6692b25b8";
const sdk = new Pusher({ appId: "3", key: KEY, secret: SECRET, host: "127.0.0.1" });
const lower = (h: Record<string, string>) => Object.fromEntries(Object.entries(h).map(([k, v]) => [k.toLowerCase(), v]));

describe("body and signature", () => {
  test("§6.1 vector: the documented body signs to the documented signature", () => {
    const body = webhookBody(1700000000123, [toWebhookEvent("occupied", { appId: "3", channel: "my-channel" }).json]);
    expect(body).toBe('{"time_ms":1700000000123,"events":[{"name":"channel_occupied","channel":"my-channel"}]}');
    const headers = webhookHeaders(KEY, SECRET, body);
    expect(headers).toEqual({
      "Content-Type": "application/json",
      "X-Pusher-Key": KEY,
      "X-Pusher-Signature": "5bf3c017b92f6722f3980b999b767c90de5f4d6b95727f3fde99d4335ae54ac5",
    });
    expect(sdk.webhook({ headers: lower(headers), rawBody: body }).isValid()).toBe(true);
  });

  test("a batch body with non-ASCII data verifies with the SDK, and a changed byte does not", () => {
    const events = [
      toWebhookEvent("client_event", { appId: "3", channel: "private-ü", event: "client-x", data: '{"msg":"héllo ✓"}', socketId: "1.2", recipients: 1 }),
      toWebhookEvent("subscription_count", { appId: "3", channel: "c", count: 7 }),
    ];
    const body = webhookBody(1, events.map((e) => e.json));
    const headers = lower(webhookHeaders(KEY, SECRET, body));
    expect(sdk.webhook({ headers, rawBody: body }).isValid()).toBe(true);
    expect(sdk.webhook({ headers, rawBody: body.replace("7", "8") }).isValid()).toBe(false);
    expect(sdk.webhook({ headers: { ...headers, "content-type": "application/json; charset=utf-8" }, rawBody: body }).isValid()).toBe(false);
  });
});

describe("§6.3 fields per type", () => {
  const cases: [Parameters<typeof toWebhookEvent>[0], any, Record<string, unknown>][] = [
    ["occupied", { appId: "a", channel: "c" }, { name: "channel_occupied", channel: "c" }],
    ["vacated", { appId: "a", channel: "c" }, { name: "channel_vacated", channel: "c" }],
    ["member_added", { appId: "a", channel: "presence-c", userId: "u" }, { name: "member_added", channel: "presence-c", user_id: "u" }],
    ["member_removed", { appId: "a", channel: "presence-c", userId: "u" }, { name: "member_removed", channel: "presence-c", user_id: "u" }],
    [
      "client_event",
      { appId: "a", channel: "private-c", event: "client-e", data: '{"a":1}', socketId: "1.1" },
      { name: "client_event", channel: "private-c", event: "client-e", data: '{"a":1}', socket_id: "1.1" },
    ],
    [
      "client_event",
      { appId: "a", channel: "presence-c", event: "client-e", data: "x", socketId: "1.1", userId: "u" },
      { name: "client_event", channel: "presence-c", event: "client-e", data: "x", socket_id: "1.1", user_id: "u" },
    ],
    ["cache_miss", { appId: "a", channel: "cache-c" }, { name: "cache_miss", channel: "cache-c" }],
    ["subscription_count", { appId: "a", channel: "c", count: 3 }, { name: "subscription_count", channel: "c", subscription_count: 3 }],
  ];
  for (const [bus, input, expected] of cases) {
    test(`${bus} → ${JSON.stringify(expected)}`, () => {
      const event = toWebhookEvent(bus, input);
      expect(event.json).toBe(JSON.stringify(expected));
      expect(event.channel).toBe(input.channel);
    });
  }

  test("test events exist for every type and name it", () => {
    for (const type of EVENT_TYPES) expect(JSON.parse(testEvent(type).json).name).toBe(type);
  });
});

describe("sender", () => {
  test("header names keep their capitalisation on the wire (pusher-http-php reads them case-sensitively)", async () => {
    let raw: string[] = [];
    let body = "";
    const server = createServer((req, res) => {
      raw = req.rawHeaders;
      req.on("data", (c) => (body += c));
      req.on("end", () => res.end("ok"));
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const port = (server.address() as { port: number }).port;
    try {
      const payload = webhookBody(5, [testEvent("cache_miss").json]);
      const result = await postWebhook(`http://127.0.0.1:${port}/`, webhookHeaders(KEY, SECRET, payload), payload, 2000);
      expect(result).toMatchObject({ ok: true, status: 200, error: null });
      expect(raw).toContain("X-Pusher-Key");
      expect(raw).toContain("X-Pusher-Signature");
      expect(raw[raw.indexOf("Content-Type") + 1]).toBe("application/json");
      expect(body).toBe(payload);
    } finally {
      server.close();
    }
  });

  test("failures are values: refused connection, non-2xx, redirect not followed", async () => {
    const server = Bun.serve({ port: 0, fetch: (r) => (r.url.endsWith("/moved") ? Response.redirect("/x", 302) : new Response("no", { status: 410 })) });
    try {
      expect(await postWebhook(`http://127.0.0.1:${server.port}/`, {}, "{}", 1000)).toMatchObject({ ok: false, status: 410, error: "HTTP 410" });
      expect(await postWebhook(`http://127.0.0.1:${server.port}/moved`, {}, "{}", 1000)).toMatchObject({ ok: false, status: 302 });
    } finally {
      server.stop(true);
    }
    const refused = await postWebhook(`http://127.0.0.1:${server.port}/`, {}, "{}", 1000);
    expect(refused.ok).toBe(false);
    expect(refused.status).toBeNull();
    expect(refused.error).toBeTruthy();
  });
});
