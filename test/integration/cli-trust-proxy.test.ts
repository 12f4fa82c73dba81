/**
 * MAWJLY_TRUST_PROXY=1 reaches the sign-in rate limit through the config tree (src/config): the
 * client address comes from X-Forwarded-For, so a proxy's clients are limited one by one. Without it
 * the header is ignored, or clients could choose their own address.
 */
import { describe, expect, test } from "bun:test";
import { useServer, type TestServer } from "../support/server";

const attempt = (server: TestServer, forwardedFor: string) =>
  fetch(`${server.url}/api/v1/session`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-forwarded-for": forwardedFor },
    body: JSON.stringify({ email: "nobody@example.com", password: "wrong password" }),
  }).then(async (r) => ({ status: r.status, body: await r.json() }));

const WRONG = { status: 400, body: { error: { code: "invalid", message: "Wrong email or password" } } };
const BLOCKED = { status: 403, body: { error: { code: "forbidden", message: "Too many failed sign-in attempts; wait 15 minutes and try again" } } };

describe.concurrent("sign-in limits and X-Forwarded-For", () => {
  const trusting = useServer({ env: { MAWJLY_TRUST_PROXY: "1" } });
  const plain = useServer({ env: { MAWJLY_TRUST_PROXY: "" } });

  test("MAWJLY_TRUST_PROXY=1: limited per forwarded address", async () => {
    for (let i = 0; i < 5; i++) expect(await attempt(trusting(), "203.0.113.1")).toEqual(WRONG);
    expect(await attempt(trusting(), "203.0.113.1")).toEqual(BLOCKED);
    expect(await attempt(trusting(), "203.0.113.2")).toEqual(WRONG);
  });

  test("without it: the header is ignored, one limit for the connecting address", async () => {
    for (let i = 0; i < 5; i++) expect(await attempt(plain(), `198.51.100.${i}`)).toEqual(WRONG);
    expect(await attempt(plain(), "198.51.100.99")).toEqual(BLOCKED);
  });
});
