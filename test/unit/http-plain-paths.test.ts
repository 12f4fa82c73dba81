/**
 * The trigger path's two shortcuts must never decide differently from the general way:
 * - plainFastRoute reads `request.url` without the URL parser: whenever it answers, the parser must
 *   give the same path and query, and fastRoute over those the same route;
 * - acceptsPlainRequest checks plain signed queries without a map: whenever it accepts, the general
 *   check (verifyParsed) must accept too; it may decline anything, the general way then decides.
 * Both are driven with the SDKs' shapes and with many mutated ones (seeded, so a failure repeats).
 */
import { describe, expect, test } from "bun:test";
import { fastRoute, plainFastRoute } from "../../src/http-api/fast-path";
import { acceptsPlainRequest, verifyParsed, verifySignedRequest } from "../../src/protocol/http-signature";
import { hmacHex, md5Hex } from "../../src/protocol/signatures";
import { signedQuery } from "./signing";

const KEY = "278d425bdf160c739803";
const SECRET = "7ad3773142a6692b25b8";
const secretFor = (key: string) => (key === KEY ? SECRET : undefined);
const T = 1700000000;
const BODY = `{"name":"e","channel":"c","data":"x"}`;

/** A small seeded generator (mulberry32): the same cases on every run. */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const generalAccepts = (req: Parameters<typeof verifyParsed>[0]) => {
  try {
    verifyParsed(req, secretFor, T);
    return true;
  } catch {
    return false;
  }
};

describe("plainFastRoute", () => {
  test("an SDK's trigger URL is taken as it is", () => {
    const url = `http://127.0.0.1:6001/apps/123/events?${signedQuery({ key: KEY, secret: SECRET, method: "POST", path: "/apps/123/events", body: BODY, timestamp: T })}`;
    const route = plainFastRoute("POST", url)!;
    expect(route).toMatchObject({ route: "/apps/:appId/events", appId: "123", pathname: "/apps/123/events", batch: false });
    expect(route.search).toBe(new URL(url).search);
    expect(plainFastRoute("POST", "http://h/apps/a-b_C/batch_events")).toMatchObject({ appId: "a-b_C", batch: true, search: "" });
  });

  test("declines what the URL parser would change or cut", () => {
    for (const url of [
      "http://h/apps/1/events?",
      "http://h/apps/1/./events",
      "http://h/apps/1/%65vents",
      "http://h/apps/1\\events",
      "http://h/apps/1/events?a=\"b\"",
      "http://h/apps/1/events?a=b#c",
      "http://h/apps/1/events?a=b c",
      "http://h/apps/1/events?a='b'",
      "http://h/apps/1/events?a=é",
      "http://h#x/apps/1/events",
      "http://u@h/apps/1/events",
      "http://a.1/apps/1/events",
      "http://h:99999/apps/1/events",
      "/apps/1/events",
    ]) {
      expect(plainFastRoute("POST", url)).toBeUndefined();
    }
    expect(plainFastRoute("GET", "http://h/apps/1/events")).toBeUndefined();
  });

  test("whenever it answers, the URL parser agrees (5,000 mutated URLs)", () => {
    const next = random(14);
    const alphabet = "aZ09-_./\\%?#&=:@[] \"'<>+~!$é\t";
    let answered = 0;
    for (let i = 0; i < 5000; i++) {
      let url = `http://127.0.0.1:6001/apps/app${i % 7}/${i % 2 ? "events" : "batch_events"}?auth_key=k&auth_timestamp=1`;
      for (let n = Math.floor(next() * 3); n > 0; n--) {
        const at = 7 + Math.floor(next() * (url.length - 7));
        url = url.slice(0, at) + alphabet[Math.floor(next() * alphabet.length)] + url.slice(at + (next() < 0.5 ? 1 : 0));
      }
      const plain = plainFastRoute("POST", url);
      if (plain === undefined) continue;
      answered++;
      const parsed = new URL(url); // throws, failing the test, if the parser refuses what was answered
      expect({ pathname: plain.pathname, search: plain.search }).toEqual({ pathname: parsed.pathname, search: parsed.search });
      expect(fastRoute("POST", parsed.pathname, parsed.search)).toEqual(plain);
    }
    expect(answered).toBeGreaterThan(1000); // the mutations leave many URLs plain
  });
});

describe("acceptsPlainRequest", () => {
  const request = (rawQuery: string, rawBody = BODY, path = "/apps/3/events") => ({ method: "POST", path, rawQuery, rawBody });
  const sign = (extra: Partial<Parameters<typeof signedQuery>[0]> = {}) =>
    "?" + signedQuery({ key: KEY, secret: SECRET, method: "POST", path: "/apps/3/events", body: BODY, timestamp: T, ...extra });

  test("takes the SDKs' shape, wherever the signature pair stands", () => {
    const query = sign();
    expect(acceptsPlainRequest(request(query), secretFor, T)).toBe(true);
    const pairs = query.slice(1).split("&");
    const sig = pairs.pop()!;
    for (let at = 0; at <= pairs.length; at++) {
      const moved = [...pairs.slice(0, at), sig, ...pairs.slice(at)].join("&");
      expect(acceptsPlainRequest(request(moved), secretFor, T)).toBe(true);
    }
    // A GET without a body and with extra parameters (channel listing).
    const pairs2 = signedQuery({ key: KEY, secret: SECRET, method: "GET", path: "/apps/3/channels", params: { filter_by_prefix: "presence-", info: "user_count" }, timestamp: T }).split("&");
    const get = `?${[...pairs2.slice(0, -1).sort(), pairs2.at(-1)].join("&")}`; // sorted, the signature last
    expect(acceptsPlainRequest({ method: "GET", path: "/apps/3/channels", rawQuery: get, rawBody: "" }, secretFor, T)).toBe(true);
    expect(verifySignedRequest({ method: "GET", path: "/apps/3/channels", rawQuery: get, rawBody: "" }, secretFor, T).get("info")).toBe("user_count");
  });

  test("declines what it does not check itself; the general way still accepts it", () => {
    const unsorted = `?auth_version=1.0&auth_key=${KEY}&auth_timestamp=${T}&body_md5=${md5Hex(BODY)}`;
    const toSign = `POST\n/apps/3/events\nauth_key=${KEY}&auth_timestamp=${T}&auth_version=1.0&body_md5=${md5Hex(BODY)}`;
    const signedUnsorted = `${unsorted}&auth_signature=${hmacHex(SECRET, toSign)}`;
    const encoded = sign({ encodeValues: true, params: { info: "a b" } });
    for (const query of [signedUnsorted, encoded, signedUnsorted.replace("auth_key", "AUTH_KEY")]) {
      expect(acceptsPlainRequest(request(query), secretFor, T)).toBe(false);
      expect(generalAccepts(request(query))).toBe(true);
    }
  });

  test("never accepts what the general way refuses (5,000 mutated queries)", () => {
    const next = random(12);
    const alphabet = "a_0=&%Z9-.";
    let accepted = 0;
    let refused = 0;
    for (let i = 0; i < 5000; i++) {
      let query = sign(i % 3 === 0 ? { params: { info: "user_count" } } : {});
      for (let n = Math.floor(next() * 3); n > 0; n--) {
        const at = 1 + Math.floor(next() * (query.length - 1));
        const roll = next();
        if (roll < 0.3) query = query.slice(0, at) + query.slice(at + 1); // delete one character
        else if (roll < 0.6) query = query.slice(0, at) + alphabet[Math.floor(next() * alphabet.length)] + query.slice(at + 1);
        else if (roll < 0.7) query = query + query.slice(at, at + 1 + Math.floor(next() * 40)); // repeat a piece
        else if (roll < 0.8) query = `${query}&`; // a trailing separator
        else {
          const pairs = query.slice(1).split("&");
          const a = Math.floor(next() * pairs.length);
          const b = Math.floor(next() * pairs.length);
          [pairs[a], pairs[b]] = [pairs[b]!, pairs[a]!];
          query = `?${pairs.join("&")}`;
        }
      }
      const body = next() < 0.1 ? "" : BODY;
      const plain = acceptsPlainRequest(request(query, body), secretFor, T);
      if (plain) {
        accepted++;
        expect(generalAccepts(request(query, body))).toBe(true);
      } else refused++;
    }
    expect(accepted).toBeGreaterThan(500);
    expect(refused).toBeGreaterThan(500);
  });

  test("a trailing '&' is declined: its empty segment must not stay in the signed text (review finding)", () => {
    // A client signed a value ending in "&" (sent escaped as %26); moving the signature pair and sending
    // the "&" raw must not make the plain check accept a string the general way never builds.
    const md5 = md5Hex(BODY);
    const signed = `auth_key=${KEY}&auth_timestamp=${T}&auth_version=1.0&body_md5=${md5}&zz=v&`;
    const signature = hmacHex(SECRET, `POST\n/apps/3/events\n${signed}`);
    const forged = `?auth_key=${KEY}&auth_signature=${signature}&auth_timestamp=${T}&auth_version=1.0&body_md5=${md5}&zz=v&`;
    expect(acceptsPlainRequest(request(forged), secretFor, T)).toBe(false);
    expect(generalAccepts(request(forged))).toBe(false);
    expect(() => verifySignedRequest(request(forged), secretFor, T)).toThrow(/^Invalid signature/);
    // Trailing "&" after a valid query is still accepted by the general way, as before.
    expect(generalAccepts(request(`${sign()}&`))).toBe(true);
  });

  test("an expired timestamp, a wrong body or a wrong secret is declined, and the general way words the refusal", () => {
    expect(acceptsPlainRequest(request(sign()), secretFor, T + 601)).toBe(false);
    expect(acceptsPlainRequest(request(sign(), `${BODY} `), secretFor, T)).toBe(false);
    expect(acceptsPlainRequest(request(sign({ secret: "other" })), secretFor, T)).toBe(false);
    expect(() => verifySignedRequest(request(sign({ secret: "other" })), secretFor, T)).toThrow(/^Invalid signature/);
  });
});
