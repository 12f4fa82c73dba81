/**
 * Why `serve` could not listen, in one line the user can act on. The error's code is not enough:
 * Bun 1.4.5's `Bun.serve` reports EADDRINUSE for a host that is no address at all ("999.1.1.1", a name
 * that does not resolve), which read "port already in use". So the host is checked on its own first,
 * only after a failure (a normal start pays nothing): resolved, then listened on at port 0.
 */
import { lookup } from "node:dns/promises";
import { createServer, isIP } from "node:net";

export async function listenFailure(err: unknown, host: string, port: number): Promise<Error | undefined> {
  const code = (err as { code?: string }).code;
  if (code === "EACCES") return new Error(`not allowed to listen on ${host}:${port}`);
  if (code !== "EADDRINUSE" && code !== "EADDRNOTAVAIL" && code !== "EINVAL") return undefined;
  const problem = await hostProblem(unbracketed(host));
  if (problem !== undefined) return new Error(`cannot listen on ${host}: ${problem}; choose another with --host H or MAWJLY_HOST`);
  if (code === "EADDRINUSE") return new Error(`port already in use: ${host}:${port}; choose another with --port P or MAWJLY_PORT`);
  return undefined;
}

/** `[::1]` → `::1`: Bun listens on a bracketed IPv6 address as on the bare one. */
export function unbracketed(host: string): string {
  return host.startsWith("[") && host.endsWith("]") ? host.slice(1, -1) : host;
}

/** What is wrong with `host` as an address to listen on, or undefined when this machine can use it. */
async function hostProblem(host: string): Promise<string | undefined> {
  let address = host;
  if (isIP(host) === 0) {
    // Digits and dots only: an IPv4 address, maybe in a short form Bun accepts too (127.1, 2130706433);
    // one no form allows is a typo, not a name (and needs no DNS query to say so).
    if (/^[\d.]+$/.test(host)) {
      if (!shortIPv4(host)) return "not an IP address";
    } else {
      try {
        address = (await lookup(host)).address;
      } catch {
        return "no such host name";
      }
    }
  }
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once("error", (e: Error & { code?: string }) => {
      resolve(e.code === "EADDRNOTAVAIL" ? "not an address of this machine" : undefined);
    });
    probe.listen(0, address, () => probe.close(() => resolve(undefined)));
  });
}

/**
 * Whether digits and dots make an IPv4 address as inet_aton reads it: 1–4 parts, decimal or (leading
 * 0) octal, the last part filling the bytes the others leave (127.1 is 127.0.0.1).
 */
export function shortIPv4(text: string): boolean {
  const parts = text.split(".");
  if (parts.length > 4) return false;
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i]!;
    if (part === "" || (part.length > 1 && part.startsWith("0") && !/^[0-7]+$/.test(part))) return false;
    const value = part.length > 1 && part.startsWith("0") ? parseInt(part, 8) : Number(part);
    const bytes = i < parts.length - 1 ? 1 : 5 - parts.length;
    if (value >= 256 ** bytes) return false;
  }
  return true;
}
