/**
 * The debug console's server-sent event stream (WHATWG HTML §9.2): first the app's recent events (or
 * only those after Last-Event-ID when the browser reconnects), then each new one as it happens. A
 * comment line every few seconds keeps proxies and Bun's idle timeout from closing a quiet stream.
 * A console that stops reading loses events (with one "dropped" notice), never server memory.
 */
import type { DebugEntry, DebugLog } from "./debug-log";

const HEARTBEAT_MS = 8000;
/** Bytes queued for a reader that is not keeping up before events are dropped. */
const MAX_QUEUED_BYTES = 1024 * 1024;
/** Open streams per account: each holds a listener and a queue, so their number is bounded too. */
const MAX_STREAMS_PER_ACCOUNT = 5;
const openStreams = new Map<string, number>();

const encoder = new TextEncoder();

function frame(entry: DebugEntry): Uint8Array {
  // JSON.stringify never emits a raw newline, so one data: line carries the whole event.
  return encoder.encode(`id: ${entry.id}\ndata: ${JSON.stringify(entry)}\n\n`);
}

export function debugStream(log: DebugLog, appId: string, request: Request, accountId: string): Response {
  const open = openStreams.get(accountId) ?? 0;
  if (open >= MAX_STREAMS_PER_ACCOUNT) {
    return new Response(`Too many open debug consoles (${MAX_STREAMS_PER_ACCOUNT}); close one and reload`, { status: 429 });
  }
  openStreams.set(accountId, open + 1);
  const lastId = Number(request.headers.get("last-event-id") ?? 0);
  let stopped = false;
  const release = () => {
    if (stopped) return;
    stopped = true;
    const left = (openStreams.get(accountId) ?? 1) - 1;
    if (left > 0) openStreams.set(accountId, left);
    else openStreams.delete(accountId);
  };
  let stop = () => release();
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      let dropped = 0;
      const push = (entry: DebugEntry) => {
        if ((controller.desiredSize ?? 0) < -MAX_QUEUED_BYTES) {
          dropped++;
          return;
        }
        if (dropped > 0) {
          controller.enqueue(encoder.encode(`event: dropped\ndata: ${dropped}\n\n`));
          dropped = 0;
        }
        controller.enqueue(frame(entry));
      };
      controller.enqueue(encoder.encode("retry: 2000\n\n"));
      for (const entry of log.recent(appId, Number.isFinite(lastId) ? lastId : 0)) push(entry);
      const unlisten = log.listen(appId, push);
      const heartbeat = setInterval(() => {
        try {
          controller.enqueue(encoder.encode(": keep-alive\n\n"));
        } catch {
          stop();
        }
      }, HEARTBEAT_MS);
      stop = () => {
        clearInterval(heartbeat);
        unlisten();
        release();
      };
      request.signal.addEventListener("abort", () => stop(), { once: true });
    },
    cancel() {
      stop();
    },
    // Counted in bytes (not chunks), so the bound above is a memory bound.
  }, new ByteLengthQueuingStrategy({ highWaterMark: 64 * 1024 }));
  return new Response(body, {
    headers: {
      "content-type": "text/event-stream; charset=utf-8",
      "cache-control": "no-store",
      "x-accel-buffering": "no",
    },
  });
}
