/**
 * Which hosts `serve` blames when it cannot listen (src/cli/listen-failure.ts): IPv4 in the short
 * forms Bun listens on, bracketed IPv6, and a real busy port on a real address.
 */
import { expect, test } from "bun:test";
import { listenFailure, shortIPv4, unbracketed } from "../../src/cli/listen-failure";

test("digits and dots: the IPv4 forms inet_aton reads are addresses, the rest typos", () => {
  for (const ok of ["127.0.0.1", "127.1", "10.1.2", "0", "2130706433", "4294967295", "0177.0.0.01", "255.255.65535"]) {
    expect([ok, shortIPv4(ok)]).toEqual([ok, true]);
  }
  for (const bad of ["999.1.1.1", "1.2.3.4.5", "1..2", "1.2.3.", ".1", "4294967296", "09.1.1.1", "256.1", "1.256.1.1", "1.2.16777216"]) {
    expect([bad, shortIPv4(bad)]).toEqual([bad, false]);
  }
});

test("a bracketed IPv6 address is checked as the bare one", () => {
  expect(unbracketed("[::1]")).toBe("::1");
  expect(unbracketed("::1")).toBe("::1");
  expect(unbracketed("localhost")).toBe("localhost");
});

test("a busy port on an address of this machine is the port's fault, whatever form the address takes", async () => {
  const blocker = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  try {
    const busy = Object.assign(new Error("EADDRINUSE"), { code: "EADDRINUSE" });
    for (const host of ["127.0.0.1", "127.1", "2130706433", "localhost"]) {
      expect((await listenFailure(busy, host, blocker.port))?.message).toBe(
        `port already in use: ${host}:${blocker.port}; choose another with --port P or MAWJLY_PORT`,
      );
    }
    expect((await listenFailure(busy, "192.0.2.1", blocker.port))?.message).toBe(
      "cannot listen on 192.0.2.1: not an address of this machine; choose another with --host H or MAWJLY_HOST",
    );
    // Anything else is not a listening problem: the caller shows it as it is.
    expect(await listenFailure(new Error("disk full"), "127.0.0.1", blocker.port)).toBeUndefined();
  } finally {
    blocker.stop(true);
  }
});
