/**
 * Where webhooks may go. On a single box the receiver is often the customer's app on the same host
 * (http://127.0.0.1/…), so private targets are allowed by default. A multi-tenant operator sets
 * MAWJLY_WEBHOOK_ALLOW_PRIVATE=0: then a target that resolves to a loopback, private, link-local
 * (cloud metadata, 169.254.169.254), CGNAT, multicast or unspecified address is refused before any
 * request, so tenants cannot reach internal services or use test sends as a port scanner.
 * Limit: the check resolves the name, then fetch resolves it again; a DNS-rebinding host could answer
 * differently the second time. Pinning the address would need our own HTTPS client.
 */
import type { SendResult, WebhookSender } from "./sender";

const V4_PRIVATE: Array<[number, number]> = [
  [0x00000000, 8], // 0.0.0.0/8
  [0x0a000000, 8], // 10/8
  [0x64400000, 10], // 100.64/10 (CGNAT)
  [0x7f000000, 8], // 127/8
  [0xa9fe0000, 16], // 169.254/16 (link-local, cloud metadata)
  [0xac100000, 12], // 172.16/12
  [0xc0a80000, 16], // 192.168/16
  [0xe0000000, 3], // 224/3: multicast and reserved
];

function v4(address: string): number | undefined {
  const parts = address.split(".");
  if (parts.length !== 4 || parts.some((p) => !/^\d{1,3}$/.test(p) || Number(p) > 255)) return undefined;
  return parts.reduce((n, p) => n * 256 + Number(p), 0);
}

/** Whether an IP address (v4 or v6, as text) is one a public webhook must not reach. */
export function isPrivateAddress(address: string): boolean {
  const bare = address.replace(/^\[|\]$/g, "").toLowerCase();
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(bare);
  const n = v4(mapped?.[1] ?? bare);
  if (n !== undefined) return V4_PRIVATE.some(([net, bits]) => n >>> (32 - bits) === net >>> (32 - bits));
  if (bare === "::" || bare === "::1") return true;
  return /^f[cd]/.test(bare) || /^fe[89ab]/.test(bare) || /^ff/.test(bare); // ULA, link-local, multicast
}

async function resolves(hostname: string): Promise<string[]> {
  if (v4(hostname) !== undefined || hostname.includes(":")) return [hostname];
  const answers = await Bun.dns.lookup(hostname, {});
  return answers.map((a) => a.address);
}

/** Wraps a sender so that, unless private targets are allowed, such targets fail without a request. */
export function guardTargets(send: WebhookSender, allowPrivate: boolean): WebhookSender {
  if (allowPrivate) return send;
  return async (url, headers, body, timeoutMs, stop) => {
    const refused = (error: string): SendResult => ({ ok: false, status: null, latencyMs: 0, error });
    let addresses: string[];
    const hostname = new URL(url).hostname;
    try {
      addresses = await resolves(hostname);
    } catch {
      return refused(`cannot resolve ${hostname}`);
    }
    if (addresses.length === 0 || addresses.some(isPrivateAddress)) {
      return refused(`refused: ${hostname} is a private address (this server sets MAWJLY_WEBHOOK_ALLOW_PRIVATE=0)`);
    }
    return send(url, headers, body, timeoutMs, stop);
  };
}
