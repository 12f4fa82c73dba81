/** Problems of the background webhook work (maintenance, delivery looks): src/problems.ts. */
import { reporter, type Report } from "../problems";

export type { Report };

/** `report("maintenance", err)` logs `mawjly: webhooks maintenance failed: <message>`. */
export function problemReporter(now: () => number, log?: (line: string) => void): Report {
  return reporter("webhooks", now, log);
}
