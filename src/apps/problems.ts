/** Problems of the apps' background work (the change watcher, re-reads of changed apps): src/problems.ts. */
import { reporter, type Report } from "../problems";

export type { Report };

/** `report("change watch", err)` logs `mawjly: apps change watch failed: <message>`. */
export function appProblemReporter(now: () => number = Date.now, log?: (line: string) => void): Report {
  return reporter("apps", now, log);
}
