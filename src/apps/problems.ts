/**
 * One line per problem in the apps' background work (the change watcher, re-reads of changed apps),
 * never a stack, and the same line at most once a minute: a database that is down fails every poll,
 * and an operator needs the message once, not four lines a second.
 */
const REPEAT_EVERY_MS = 60_000;

export type Report = (what: string, err: unknown) => void;

/** `report("change watch", err)` logs `mawjly: apps change watch failed: <message>`. */
export function appProblemReporter(now: () => number = Date.now, log: (line: string) => void = (l) => console.error(l)): Report {
  const lastSaid = new Map<string, number>();
  return (what, err) => {
    const message = err instanceof Error ? err.message : String(err);
    const line = `mawjly: apps ${what} failed: ${message.replace(/\s*\n\s*/g, " ").trim() || "unknown error"}`;
    const t = now();
    const last = lastSaid.get(line);
    if (last !== undefined && t - last < REPEAT_EVERY_MS) return;
    if (lastSaid.size > 100) lastSaid.clear(); // distinct messages are few; never grow without bound
    lastSaid.set(line, t);
    log(line);
  };
}
