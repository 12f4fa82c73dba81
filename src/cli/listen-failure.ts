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
  const problem = await hostProblem(host);
  if (problem !== undefined) return new Error(`cannot listen on ${host}: ${problem}; choose another with --host H or MAWJLY_HOST`);
  if (code === "EADDRINUSE") return new Error(`port already in use: ${host}:${port}; choose another with --port P or MAWJLY_PORT`);
  return undefined;
}

/** What is wrong with `host` as an address to listen on, or undefined when this machine can use it. */
async function hostProblem(host: string): Promise<string | undefined> {
  let address = host;
  if (isIP(host) === 0) {
    // Digits and dots only: a mistyped IPv4 address, not a name (no DNS query for it).
    if (/^[\d.]+$/.test(host)) return "not an IP address";
    try {
      address = (await lookup(host)).address;
    } catch {
      return "no such host name";
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
