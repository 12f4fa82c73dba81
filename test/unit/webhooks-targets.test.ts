/**
 * Where webhooks may go (src/webhooks/targets.ts, addresses.ts): every private form of an address,
 * however the URL spells it; one resolution per request, refused if any answer is private, and the
 * connection made to exactly the checked address with the URL's Host and TLS name; the policy per
 * app owner; redirects not followed.
 */
import { afterAll, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { isPrivateAddress } from "../../src/webhooks/addresses";
import { postWebhook, type SendResult } from "../../src/webhooks/sender";
import { guardTargets, privateRule, refusedUrl } from "../../src/webhooks/targets";
import { makeApp } from "./fakes";

const host = (url: string) => new URL(url).hostname;

test("every private, loopback, link-local, embedded-IPv4, NAT64, ULA, multicast and reserved form is refused", () => {
  const refused = [
    // IPv4, also as the URL parser normalises decimal, octal, hex and short spellings
    "http://127.0.0.1/", "http://127.1/", "http://2130706433/", "http://0x7f.1/", "http://017700000001/", "http://0177.0.0.1/",
    "http://0x7f000001/", "http://127.0.0.1./", "http://0/", "http://0.0.0.0/", "http://10.1.2.3/", "http://172.16.0.1/",
    "http://172.31.255.255/", "http://192.168.1.1/", "http://169.254.169.254/", "http://0xa9fea9fe/", "http://100.64.0.1/",
    "http://100.127.255.255/", "http://198.18.0.1/", "http://198.19.255.255/", "http://192.0.0.8/", "http://192.0.2.1/",
    "http://198.51.100.7/", "http://203.0.113.9/", "http://224.0.0.1/", "http://239.255.255.250/", "http://240.0.0.1/",
    "http://255.255.255.255/", "http://4294967295/",
    // IPv6
    "http://[::]/", "http://[::1]/", "http://[0:0:0:0:0:0:0:1]/", "http://[fc00::1]/", "http://[fd12:3456::1]/", "http://[fe80::1]/",
    "http://[fec0::1]/", "http://[ff02::1]/", "http://[100::1]/", "http://[2001:db8::1]/", "http://[2001:2::1]/",
    // IPv4 inside IPv6: mapped, compatible, translated, NAT64 (well-known and local-use), 6to4, Teredo
    "http://[::ffff:127.0.0.1]:8080/", "http://[::ffff:7f00:1]/", "http://[::ffff:a9fe:a9fe]/", "http://[::ffff:10.0.0.1]/",
    "http://[::127.0.0.1]/", "http://[::ffff:0:7f00:1]/", "http://[64:ff9b::127.0.0.1]/", "http://[64:ff9b::a9fe:a9fe]/",
    "http://[64:ff9b:1::808:808]/", "http://[2002:7f00:1::1]/", "http://[2002:c0a8:101::1]/",
    "http://[2001:0:4136:e378:8000:63bf:80ff:fffe]/", // Teredo client 127.0.0.1 (stored inverted)
  ];
  for (const url of refused) expect({ url, host: host(url), private: isPrivateAddress(host(url)) }).toEqual({ url, host: host(url), private: true });
  const allowed = [
    "http://8.8.8.8/", "http://1.1.1.1/", "http://172.32.0.1/", "http://100.128.0.1/", "http://198.20.0.1/", "http://223.255.255.255/",
    "http://[2001:4860:4860::8888]/", "http://[2606:4700::1111]/", "http://[::ffff:1.1.1.1]/", "http://[64:ff9b::8.8.8.8]/",
    "http://[2002:808:808::1]/",
  ];
  for (const url of allowed) expect({ url, private: isPrivateAddress(host(url)) }).toEqual({ url, private: false });
  // As DNS answers them, with a zone; and anything that is not an address is never taken as safe.
  expect(["fe80::1%eth0", "::ffff:169.254.169.254", "not-an-address"].map(isPrivateAddress)).toEqual([true, true, true]);
});

const ZERO = "this server sets MAWJLY_WEBHOOK_ALLOW_PRIVATE=0";
const OK: SendResult = { ok: true, status: 200, latencyMs: 1, error: null };

function recording() {
  const calls: Array<{ url: string; address: string | undefined }> = [];
  const send = async (url: string, _h: Record<string, string>, _b: string, _t: number, _s?: AbortSignal, address?: string) => {
    calls.push({ url, address });
    return OK;
  };
  return { calls, send };
}

test("refused targets: no request is made, and the reason is one line", async () => {
  const { calls, send } = recording();
  const answers: Record<string, string[]> = { localhost: ["127.0.0.1", "::1"], "mixed.example": ["93.184.216.34", "10.0.0.5"], "v6.example": ["::ffff:7f00:1"] };
  const guarded = guardTargets(send, () => ZERO, async (name) => answers[name] ?? []);
  const expected: Record<string, string> = {
    "http://[::ffff:127.0.0.1]:8080/hook": `refused: [::ffff:7f00:1] is a private address (${ZERO})`,
    "http://[::ffff:a9fe:a9fe]/latest": `refused: [::ffff:a9fe:a9fe] is a private address (${ZERO})`,
    "http://0x7f.1:9/": `refused: 127.0.0.1 is a private address (${ZERO})`,
    "http://localhost/x": `refused: localhost resolves to 127.0.0.1, a private address (${ZERO})`,
    "https://mixed.example/x": `refused: mixed.example resolves to 10.0.0.5, a private address (${ZERO})`,
    "https://v6.example/x": `refused: v6.example resolves to ::ffff:7f00:1, a private address (${ZERO})`,
    "https://nowhere.example/x": "cannot resolve nowhere.example: no addresses",
  };
  for (const [url, error] of Object.entries(expected)) {
    const result = await guarded("app", url, {}, "{}", 1000);
    expect({ url, ok: result.ok, status: result.status, error: result.error }).toEqual({ url, ok: false, status: null, error });
  }
  expect(calls).toEqual([]);
});

test("a name is resolved once per request and the request goes to exactly the checked address", async () => {
  const { calls, send } = recording();
  // A rebinding name: public for the first question, private afterwards.
  const asked: string[] = [];
  const rebinding = async (name: string) => (asked.push(name), asked.length === 1 ? ["93.184.216.34", "2606:2800:220:1::1"] : ["127.0.0.1"]);
  const guarded = guardTargets(send, () => ZERO, rebinding);
  expect(await guarded("app", "https://hooks.example/x", {}, "{}", 1000)).toEqual(OK);
  expect(calls).toEqual([{ url: "https://hooks.example/x", address: "93.184.216.34" }]);
  expect(asked).toEqual(["hooks.example"]);
  expect((await guarded("app", "https://hooks.example/x", {}, "{}", 1000)).error).toBe(`refused: hooks.example resolves to 127.0.0.1, a private address (${ZERO})`);
  // A public literal address is not resolved; an allowed app is sent as it is, unresolved.
  expect(await guarded("app", "http://8.8.8.8/x", {}, "{}", 1000)).toEqual(OK);
  expect(await guardTargets(send, () => undefined, rebinding)("app", "http://127.0.0.1/x", {}, "{}", 1000)).toEqual(OK);
  expect(calls.slice(1)).toEqual([{ url: "http://8.8.8.8/x", address: "8.8.8.8" }, { url: "http://127.0.0.1/x", address: undefined }]);
  expect(asked).toEqual(["hooks.example", "hooks.example"]);
});

test("the default policy: admins' apps and apps without an owner may target private addresses, other accounts' apps may not", () => {
  const apps = new Map([["cli", makeApp({ id: "cli", accountId: null })], ["boss", makeApp({ id: "boss", accountId: "acc-admin" })], ["tenant", makeApp({ id: "tenant", accountId: "acc-user" })], ["orphan", makeApp({ id: "orphan", accountId: "acc-gone" })]]);
  const directory = { byId: (id: string) => apps.get(id), byKey: () => undefined } as any;
  const isAdmin = (id: string) => {
    if (id === "acc-gone") throw new Error("No account 'acc-gone'");
    return id === "acc-admin";
  };
  const rule = privateRule(undefined, directory, isAdmin);
  const TENANT = "only admins' apps may target private addresses on this server; MAWJLY_WEBHOOK_ALLOW_PRIVATE=1 allows every app";
  expect(["cli", "boss", "tenant", "orphan"].map(rule)).toEqual([undefined, undefined, TENANT, TENANT]);
  expect(["cli", "boss", "tenant"].map(privateRule(1, directory, isAdmin))).toEqual([undefined, undefined, undefined]);
  expect(["cli", "boss", "tenant"].map(privateRule(0, directory, isAdmin))).toEqual([ZERO, ZERO, ZERO]);
  // At add time: literal private addresses and loopback names; other names are checked when resolved.
  expect(refusedUrl("http://[::ffff:7f00:1]:8080/", "tenant", rule)).toBe(`refused: [::ffff:7f00:1] is a private address (${TENANT})`);
  expect(refusedUrl("http://localhost:3000/", "tenant", rule)).toBe(`refused: localhost is a loopback name (${TENANT})`);
  expect(refusedUrl("http://api.localhost./", "tenant", rule)).toBe(`refused: api.localhost. is a loopback name (${TENANT})`);
  expect(refusedUrl("https://hooks.example/", "tenant", rule)).toBeUndefined();
  expect(refusedUrl("http://127.0.0.1:3000/", "boss", rule)).toBeUndefined();
});

// A self-signed certificate for hooks.example (test only).
const CERT = `-----BEGIN CERTIFICATE-----
MIIBoDCCAUegAwIBAgIULTYPkkGwjYJepHT3/htvm0v3CB4wCgYIKoZIzj0EAwIw
GDEWMBQGA1UEAwwNaG9va3MuZXhhbXBsZTAgFw0yNjEyMDMwNTQ4NTZaGA8yMTI2
MTEwOTA1NDg1NlowGDEWMBQGA1UEAwwNaG9va3MuZXhhbXBsZTBZMBMGByqGSM49
AgEGCCqGSM49AwEHA0IABKSvmvMZRE/l44/7o0it2WhnEV26IhRpd9G0QN3LNnw8
jUZWMPm+9j6WHMZeqMRSDxWeExa/7OOyqsH7hPXuEHqjbTBrMB0GA1UdDgQWBBTR
bC+lA99duMXHaIwRUx/TFnF8YTAfBgNVHSMEGDAWgBTRbC+lA99duMXHaIwRUx/T
FnF8YTAPBgNVHRMBAf8EBTADAQH/MBgGA1UdEQQRMA+CDWhvb2tzLmV4YW1wbGUw
CgYIKoZIzj0EAwIDRwAwRAIgHBbYHN8v2CIk8ATo71Bois4Ml4iJuiSuFkGdR2Xb
cr8CIAgK6yqJh192dloWeq1XMYPKKgAyONd+iEm6b9G/tkTs
-----END CERTIFICATE-----`;
const KEY = `-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgC3PpOwAfUwtSglx+
phqTnAgBIL2mmksc37gBCph0u4yhRANCAASkr5rzGURP5eOP+6NIrdloZxFduiIU
aXfRtEDdyzZ8PI1GVjD5vvY+lhzGXqjEUg8VnhMWv+zjsqrB+4T17hB6
-----END PRIVATE KEY-----`;
const dir = mkdtempSync(join(tmpdir(), "mawjly-wh-tls-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

test("a pinned request keeps the Host header and, for https, the TLS name (SNI and certificate check) of the URL", async () => {
  const seen: string[] = [];
  const serve = (tls?: { cert: string; key: string }) =>
    Bun.serve({ hostname: "127.0.0.1", port: 0, tls, fetch: (r) => (seen.push(`${new URL(r.url).protocol} ${r.headers.get("host")}`), new Response("ok")) });
  const plain = serve();
  const secure = serve({ cert: CERT, key: KEY });
  try {
    const http = await postWebhook(`http://hooks.example:${plain.port}/x`, {}, "{}", 3000, undefined, "127.0.0.1");
    expect(http).toMatchObject({ ok: true, status: 200 });
    // https needs our test CA, which Bun reads at start: run the real sender in a child process.
    const caFile = join(dir, "ca.pem");
    writeFileSync(caFile, CERT);
    const sender = join(import.meta.dir, "../../src/webhooks/sender.ts");
    const pinned = async (url: string) => {
      const code = `import { postWebhook } from ${JSON.stringify(sender)}; console.log(JSON.stringify(await postWebhook(${JSON.stringify(url)}, {}, "{}", 3000, undefined, "127.0.0.1")));`;
      // Not spawnSync: the receivers live in this process and must keep answering.
      const child = Bun.spawn([process.execPath, "-e", code], { env: { ...process.env, NODE_EXTRA_CA_CERTS: caFile }, stdout: "pipe" });
      return JSON.parse(await new Response(child.stdout).text()) as SendResult;
    };
    expect(await pinned(`https://hooks.example:${secure.port}/x`)).toMatchObject({ ok: true, status: 200 });
    // The certificate is checked against the URL's name, not the address connected to.
    expect((await pinned(`https://other.example:${secure.port}/x`)).error).toContain("ERR_TLS_CERT_ALTNAME_INVALID");
    expect(seen).toEqual([`http: hooks.example:${plain.port}`, `https: hooks.example:${secure.port}`]);
  } finally {
    plain.stop(true);
    secure.stop(true);
  }
});

test("redirects are not followed: a 3xx is a failed attempt and its Location is never asked", async () => {
  let asked = 0;
  const inside = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => (asked++, new Response("secret")) });
  const hop = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => new Response(null, { status: 302, headers: { location: `http://127.0.0.1:${inside.port}/` } }) });
  try {
    const result = await postWebhook(`http://127.0.0.1:${hop.port}/`, {}, "{}", 3000);
    expect(result).toMatchObject({ ok: false, status: 302, error: "HTTP 302" });
    expect(asked).toBe(0);
  } finally {
    inside.stop(true);
    hop.stop(true);
  }
});
