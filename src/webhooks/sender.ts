/**
 * One webhook POST. A result value, never a throw: 2xx is success; anything else (network error,
 * timeout, non-2xx, a redirect — not followed, as the signature was made for this URL) is a failure
 * the dispatcher may retry (§6.4). The timeout covers the whole exchange including the response body,
 * which is read (up to 64 KB, so a hostile receiver cannot make us buffer much) only to let the
 * connection be reused.
 */
export interface SendResult {
  ok: boolean;
  status: number | null;
  latencyMs: number;
  error: string | null;
}

const MAX_RESPONSE_BYTES = 64 * 1024;

/**
 * `address`: connect to this IP address (already checked, see targets.ts) instead of resolving the
 * URL's host again; the Host header and, for https, the TLS server name (SNI and the certificate
 * check) stay those of the URL.
 */
export type WebhookSender = (
  url: string,
  headers: Record<string, string>,
  body: string,
  timeoutMs: number,
  stop?: AbortSignal,
  address?: string,
) => Promise<SendResult>;

export const postWebhook: WebhookSender = async (url, headers, body, timeoutMs, stop, address) => {
  const started = performance.now();
  const timeout = AbortSignal.timeout(timeoutMs);
  const signal = stop === undefined ? timeout : AbortSignal.any([timeout, stop]);
  const latency = () => Math.round(performance.now() - started);
  try {
    const init: RequestInit & { tls?: { servername?: string } } = { method: "POST", headers, body, signal, redirect: "manual" };
    let target = url;
    if (address !== undefined) {
      const parsed = new URL(url);
      const name = parsed.hostname;
      parsed.hostname = address.includes(":") ? `[${address}]` : address;
      target = parsed.href;
      init.headers = { ...headers, host: new URL(url).host };
      if (parsed.protocol === "https:" && !name.startsWith("[") && !/^[\d.]+$/.test(name)) init.tls = { servername: name };
    }
    const response = await fetch(target, init);
    await drain(response);
    const ok = response.status >= 200 && response.status < 300;
    return { ok, status: response.status, latencyMs: latency(), error: ok ? null : `HTTP ${response.status}` };
  } catch (err) {
    const error = timeout.aborted ? `timed out after ${timeoutMs} ms` : stop?.aborted ? "aborted: server stopping" : describe(err);
    return { ok: false, status: null, latencyMs: latency(), error };
  }
};

async function drain(response: Response): Promise<void> {
  const reader = response.body?.getReader();
  if (reader === undefined) return;
  let read = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return;
    read += value.byteLength;
    if (read > MAX_RESPONSE_BYTES) return void (await reader.cancel());
  }
}

function describe(err: unknown): string {
  const e = err as { code?: string; message?: string };
  const message = e.message ?? String(err);
  return e.code !== undefined && !message.includes(e.code) ? `${e.code}: ${message}` : message;
}
