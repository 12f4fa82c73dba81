/** Channel kinds by prefix (§2.2) and channel-name validation (§2.1, §3.5). */
import { describe, expect, test } from "bun:test";
import {
  allowsClientEvents,
  assertChannelName,
  channelType,
  requiresAuth,
  validateChannelName,
} from "../../src/protocol/channels";
import { PusherError } from "../../src/protocol/errors";

describe("channelType (§2.2, longest prefix first)", () => {
  test.each([
    ["#server-to-user-u1", "user", false],
    ["private-encrypted-cache-x", "encrypted", true],
    ["private-encrypted-x", "encrypted", false],
    ["private-cache-x", "private", true],
    ["private-x", "private", false],
    ["presence-cache-x", "presence", true],
    ["presence-x", "presence", false],
    ["cache-x", "public", true],
    ["my-channel", "public", false],
    // Near misses fall through to the next rule, not to a similar-looking kind.
    ["private-encrypted", "private", false],
    ["private-cache", "private", false],
    ["presence-cache", "presence", false],
    ["cache", "public", false],
    ["private", "public", false],
    ["presence", "public", false],
    ["Private-x", "public", false],
    ["x-private-y", "public", false],
    ["#server-to-user", "public", false],
  ] as const)("%s → %s (cache %p)", (name, kind, cache) => {
    expect(channelType(name)).toEqual({ kind, cache });
  });

  test("the prefix alone is the type even with an empty suffix", () => {
    expect(channelType("private-encrypted-cache-")).toEqual({ kind: "encrypted", cache: true });
    expect(channelType("presence-")).toEqual({ kind: "presence", cache: false });
  });

  test("which kinds need a signature and which allow client events", () => {
    expect(["public", "private", "presence", "encrypted", "user"].filter((k) => requiresAuth(k as any))).toEqual([
      "private",
      "presence",
      "encrypted",
    ]);
    expect(["public", "private", "presence", "encrypted", "user"].filter((k) => allowsClientEvents(k as any))).toEqual([
      "private",
      "presence",
    ]);
  });
});

describe("validateChannelName (§2.1)", () => {
  const ALPHABET = "ABCXYZabcxyz0189_-=@,.;";

  test("every character of the legal alphabet is accepted", () => {
    expect(validateChannelName(ALPHABET, 200)).toBeNull();
    for (const c of ALPHABET) expect(validateChannelName(`a${c}b`, 200)).toBeNull();
  });

  test.each([" ", "#", "/", ":", "?", "&", "+", "%", "!", "*", "é", "\n", "'", '"', "\\"])(
    "character %p is refused",
    (c) => {
      const name = `room${c}1`;
      expect(validateChannelName(name, 200)).toBe(
        `Invalid channel name '${name}': use only the characters A-Z a-z 0-9 _ - = @ , . ;`,
      );
    },
  );

  test("empty or not a string", () => {
    expect(validateChannelName("", 200)).toBe("Channel name must be a non-empty string");
    expect(validateChannelName(42 as any, 200)).toBe("Channel name must be a non-empty string");
    expect(validateChannelName(undefined as any, 200)).toBe("Channel name must be a non-empty string");
  });

  test("200 characters is the default limit; 201 is too long", () => {
    expect(validateChannelName("a".repeat(200), 200)).toBeNull();
    expect(validateChannelName("a".repeat(201), 200)).toBe("Channel name too long: 201 characters, the limit is 200");
    expect(validateChannelName("private-" + "a".repeat(193), 200)).toBe(
      "Channel name too long: 201 characters, the limit is 200",
    );
  });

  test("the limit is a parameter (per-app setting)", () => {
    expect(validateChannelName("a".repeat(164), 164)).toBeNull();
    expect(validateChannelName("a".repeat(165), 164)).toBe("Channel name too long: 165 characters, the limit is 164");
  });

  test("#server-to-user-{id}: the id is not held to the alphabet (node SDK does not check it, §3.5)", () => {
    expect(validateChannelName("#server-to-user-user-42", 200)).toBeNull();
    expect(validateChannelName("#server-to-user-a b:c/d", 200)).toBeNull();
    expect(validateChannelName("#server-to-user-", 200)).toBe("Server-to-user channel needs a user id");
  });

  test("#server-to-user- names still obey the length limit", () => {
    const name = "#server-to-user-" + "u".repeat(185);
    expect(name.length).toBe(201);
    expect(validateChannelName(name, 200)).toBe("Channel name too long: 201 characters, the limit is 200");
  });

  test("any other # name is refused", () => {
    expect(validateChannelName("#other", 200)).toBe(
      "Invalid channel name '#other': use only the characters A-Z a-z 0-9 _ - = @ , . ;",
    );
    expect(validateChannelName("#server-to-users-1", 200)).toBe(
      "Invalid channel name '#server-to-users-1': use only the characters A-Z a-z 0-9 _ - = @ , . ;",
    );
  });

  test("assertChannelName throws a PusherError with code null and the channel", () => {
    expect(() => assertChannelName("ok-name", 200)).not.toThrow();
    try {
      assertChannelName("bad name", 200);
      throw new Error("not thrown");
    } catch (err) {
      expect(err).toBeInstanceOf(PusherError);
      const e = err as PusherError;
      expect([e.code, e.message, e.channel]).toEqual([
        null,
        "Invalid channel name 'bad name': use only the characters A-Z a-z 0-9 _ - = @ , . ;",
        "bad name",
      ]);
    }
  });
});
