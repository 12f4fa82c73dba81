/**
 * One line per problem in background work (the app watcher, webhook maintenance and delivery), never
 * a stack, and the same line at most once a minute: a database that is down fails every poll, and an
 * operator needs the message once, not a wall of lines every second.
 */
const REPEAT_EVERY_MS = 60_000;

export type Report = (what: string, err: unknown) => void;

/** `reporter("webhooks")("maintenance", err)` logs `mawjly: webhooks maintenance failed: <message>`. */
export function reporter(area: string, now: () => number = Date.now, log: (line: string) => void = (l) => console.error(l)): Report {
  const lastSaid = new Map<string, number>();
  return (what, err) => {
    const line = `mawjly: ${area} ${what} failed: ${oneLine(err)}`;
    const t = now();
    const last = lastSaid.get(line);
    if (last !== undefined && t - last < REPEAT_EVERY_MS) return;
    if (lastSaid.size > 100) lastSaid.clear(); // distinct messages are few; never grow without bound
    lastSaid.set(line, t);
    log(line);
  };
}

function oneLine(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  return message.replace(/\s*\n\s*/g, " ").trim() || "unknown error";
}
