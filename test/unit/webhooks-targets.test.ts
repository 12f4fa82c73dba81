import { expect, test } from "bun:test";
import { guardTargets, isPrivateAddress } from "../../src/webhooks/targets";

test("private, loopback, link-local, CGNAT, multicast and unspecified addresses are recognised", () => {
  for (const a of ["127.0.0.1", "10.1.2.3", "172.16.0.1", "172.31.255.255", "192.168.1.1", "169.254.169.254", "100.64.0.1", "0.0.0.0", "224.0.0.1", "::1", "::", "fd00::1", "fe80::1", "::ffff:127.0.0.1", "[::1]"]) {
    expect({ a, private: isPrivateAddress(a) }).toEqual({ a, private: true });
  }
  for (const a of ["8.8.8.8", "172.32.0.1", "100.128.0.1", "2001:4860:4860::8888", "::ffff:1.1.1.1"]) {
    expect({ a, private: isPrivateAddress(a) }).toEqual({ a, private: false });
  }
});

test("with private targets refused, the request is never made and the reason is logged", async () => {
  const calls: string[] = [];
  const inner = async (url: string) => {
    calls.push(url);
    return { ok: true, status: 200, latencyMs: 1, error: null };
  };
  const guarded = guardTargets(inner, false);
  for (const url of ["http://127.0.0.1:8080/hook", "http://169.254.169.254/latest", "http://[::1]/x", "http://localhost/x"]) {
    const result = await guarded(url, {}, "{}", 1000);
    const host = new URL(url).hostname;
    expect(result).toEqual({
      ok: false,
      status: null,
      latencyMs: 0,
      error: `refused: ${host} is a private address (this server sets MAWJLY_WEBHOOK_ALLOW_PRIVATE=0)`,
    });
  }
  expect(calls).toEqual([]);
  // Allowed (the default): the inner sender is used as it is.
  expect(guardTargets(inner, true)).toBe(inner);
});
