/**
 * Channel, sign-in and webhook signatures against the worked vectors of PUSHER-PROTOCOL.md §3 and §6.1,
 * cross-checked with the official `pusher` SDK where it has the same function.
 */
import { describe, expect, test } from "bun:test";
import { createHash } from "node:crypto";
import Pusher from "pusher";
import {
  channelStringToSign,
  hmacHex,
  md5Hex,
  safeEqual,
  signChannel,
  signinStringToSign,
  verifyAuth,
  webhookSignature,
} from "../../src/protocol/signatures";

const KEY = "278d425bdf160c739803";
const SECRET = "7ad3773142a6692b25b8";
const secretFor = (key: string) => (key === KEY ? SECRET : undefined);
const sdk = new Pusher({ appId: "3", key: KEY, secret: SECRET, host: "127.0.0.1" });

describe("channel authorization (§3.1–§3.3)", () => {
  test("private channel: Pusher's documented vector", () => {
    const auth = `${KEY}:58df8b0c36d6982b82c3ecf6b4662e34fe8c25bba48f5369f135bf843651c3a4`;
    expect(channelStringToSign("1234.1234", "private-foobar")).toBe("1234.1234:private-foobar");
    expect(signChannel(KEY, SECRET, "1234.1234", "private-foobar")).toBe(auth);
    expect(sdk.authorizeChannel("1234.1234", "private-foobar").auth).toBe(auth);
    expect(verifyAuth(auth, "1234.1234:private-foobar", secretFor)).toBeNull();
  });

  test("presence channel: signs socket:channel:channel_data over the exact string", () => {
    const channelData = `{"user_id":"10","user_info":{"name":"Mr. Channels"}}`;
    const auth = `${KEY}:4c6d8fc42a207ba96a0779844171b0bb819d96ffceef9609f5cce596ab17a800`;
    expect(channelStringToSign("1234.1234", "presence-foobar", channelData)).toBe(
      `1234.1234:presence-foobar:${channelData}`,
    );
    expect(signChannel(KEY, SECRET, "1234.1234", "presence-foobar", channelData)).toBe(auth);
    const fromSdk = sdk.authorizeChannel("1234.1234", "presence-foobar", {
      user_id: "10",
      user_info: { name: "Mr. Channels" },
    });
    expect(fromSdk).toEqual({ auth, channel_data: channelData });
    expect(verifyAuth(auth, `1234.1234:presence-foobar:${channelData}`, secretFor)).toBeNull();
  });

  test("presence: a numeric user_id is a different string, hence a different signature", () => {
    const numeric = `{"user_id":10,"user_info":{"name":"Mr. Channels"}}`;
    expect(hmacHex(SECRET, `1234.1234:presence-foobar:${numeric}`)).toBe(
      "31935e7d86dba64c2a90aed31fdc61869f9b22ba9d8863bba239c03ca481bc80",
    );
  });

  test("encrypted channel: private formula; shared_secret is not part of the signature", () => {
    const masterKey = "YWJjZGVmZ2hpamtsbW5vcHFyc3R1dnd4eXoxMjM0NTY=";
    const auth = `${KEY}:6acb79a37e5accae226d86003eed32535d8c78bcf31c04f719d6b083d1e3c21e`;
    expect(signChannel(KEY, SECRET, "1234.1234", "private-encrypted-test")).toBe(auth);
    const sharedSecret = createHash("sha256")
      .update(Buffer.concat([Buffer.from("private-encrypted-test"), Buffer.from(masterKey, "base64")]))
      .digest("base64");
    expect(sharedSecret).toBe("7fQD0So3aR1djv63MOKtxe6BXk+tDXW4FwC9/V+1WLo=");
    const encryptedSdk = new Pusher({
      appId: "3",
      key: KEY,
      secret: SECRET,
      host: "127.0.0.1",
      encryptionMasterKeyBase64: masterKey,
    });
    expect(encryptedSdk.authorizeChannel("1234.1234", "private-encrypted-test")).toEqual({
      auth,
      shared_secret: sharedSecret,
    } as any);
  });
});

describe("user sign-in (§3.4)", () => {
  test("signs socket::user::user_data", () => {
    const userData = `{"id":"12345"}`;
    const toSign = signinStringToSign("1234.1234", userData);
    expect(toSign).toBe(`1234.1234::user::{"id":"12345"}`);
    const auth = `${KEY}:4708d583dada6a56435fb8bc611c77c359a31eebde13337c16ab43aa6de336ba`;
    expect(`${KEY}:${hmacHex(SECRET, toSign)}`).toBe(auth);
    expect(sdk.authenticateUser("1234.1234", { id: "12345" })).toEqual({ auth, user_data: userData });
    expect(verifyAuth(auth, toSign, secretFor)).toBeNull();
  });
});

describe("webhook signature (§6.1)", () => {
  test("HMAC of the exact body bytes, accepted by pusher@5.3.4's WebHook", () => {
    const body = `{"time_ms":1700000000123,"events":[{"name":"channel_occupied","channel":"my-channel"}]}`;
    const signature = "5bf3c017b92f6722f3980b999b767c90de5f4d6b95727f3fde99d4335ae54ac5";
    expect(webhookSignature(SECRET, body)).toBe(signature);
    const webhook = sdk.webhook({
      headers: { "x-pusher-key": KEY, "x-pusher-signature": signature, "content-type": "application/json" },
      rawBody: body,
    });
    expect(webhook.isValid()).toBe(true);
  });
});

describe("primitives", () => {
  test("md5Hex of the empty object body", () => {
    expect(md5Hex("{}")).toBe("99914b932bd37a50b983c5e7c90ae93b");
    expect(md5Hex(new TextEncoder().encode("{}"))).toBe("99914b932bd37a50b983c5e7c90ae93b");
  });

  test("safeEqual: equal, unequal of same length, different lengths, empty", () => {
    expect(safeEqual("abc", "abc")).toBe(true);
    expect(safeEqual("abc", "abd")).toBe(false);
    expect(safeEqual("abc", "abcd")).toBe(false);
    expect(safeEqual("abcd", "abc")).toBe(false);
    expect(safeEqual("", "")).toBe(true);
    expect(safeEqual("", "a")).toBe(false);
    expect(safeEqual("é", "é")).toBe(true);
    expect(safeEqual("é", "e")).toBe(false);
  });
});

describe("verifyAuth messages (§3 validation steps, §1.6)", () => {
  const toSign = "1234.1234:private-foobar";
  const good = "58df8b0c36d6982b82c3ecf6b4662e34fe8c25bba48f5369f135bf843651c3a4";

  test("missing or empty auth", () => {
    expect(verifyAuth(undefined, toSign, secretFor)).toBe("Missing auth: this channel requires a signature");
    expect(verifyAuth("", toSign, secretFor)).toBe("Missing auth: this channel requires a signature");
    expect(verifyAuth(42, toSign, secretFor)).toBe("Missing auth: this channel requires a signature");
  });

  test("no colon", () => {
    expect(verifyAuth(good, toSign, secretFor)).toBe("Invalid format: auth must have the format key:signature");
  });

  test("wrong key", () => {
    expect(verifyAuth(`other-key:${good}`, toSign, secretFor)).toBe(
      "Invalid key in subscription auth data: 'other-key'",
    );
  });

  test("wrong signature names the string to sign and the signature received", () => {
    expect(verifyAuth(`${KEY}:deadbeef`, toSign, secretFor)).toBe(
      "Invalid signature: Expected HMAC SHA256 hex digest of 1234.1234:private-foobar, but got deadbeef",
    );
  });

  test("a signature for another socket or channel is refused", () => {
    expect(verifyAuth(`${KEY}:${good}`, "1234.1235:private-foobar", secretFor)).toBe(
      `Invalid signature: Expected HMAC SHA256 hex digest of 1234.1235:private-foobar, but got ${good}`,
    );
  });

  test("uppercase hex is not the same signature", () => {
    expect(verifyAuth(`${KEY}:${good.toUpperCase()}`, toSign, secretFor)).toBe(
      `Invalid signature: Expected HMAC SHA256 hex digest of ${toSign}, but got ${good.toUpperCase()}`,
    );
  });

  test("splits on the first colon only", () => {
    expect(verifyAuth(`${KEY}:${good}:extra`, toSign, secretFor)).toBe(
      `Invalid signature: Expected HMAC SHA256 hex digest of ${toSign}, but got ${good}:extra`,
    );
  });
});
