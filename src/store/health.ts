/**
 * Whether the shared store answers, for `/health` (degraded while PostgreSQL cannot be reached) and
 * for one log line per outage and one when it ends. A cheap `SELECT 1` every interval; the
 * SQLite store is a local file and is not watched (a failing disk shows in the requests' errors).
 */
import { StoreUnavailable, type Db } from "./db";

export class StoreHealth {
  private ok = true;
  private timer: ReturnType<typeof setInterval> | undefined;
  private checking = false;

  constructor(
    private readonly db: Db,
    private readonly label: string,
    private readonly log: (line: string) => void = (line) => console.error(line),
  ) {}

  healthy(): boolean {
    return this.ok;
  }

  start(intervalMs = 2000): void {
    this.timer = setInterval(() => void this.check(), intervalMs);
    this.timer.unref?.();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /**
   * One probe; a probe still waiting (a silent server) is not doubled, and one that has not answered
   * within `timeoutMs` counts as a failure (the store's own deadline for statements is longer).
   */
  async check(timeoutMs = 3000): Promise<void> {
    if (this.checking) return;
    this.checking = true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const probe = this.db.get("SELECT 1 AS ok");
    try {
      await Promise.race([
        probe,
        new Promise((_, reject) => (timer = setTimeout(() => reject(new StoreUnavailable(`the database ${this.label} did not answer within ${timeoutMs / 1000} s`)), timeoutMs))),
      ]);
      if (!this.ok) this.log(`mawjly: the database ${this.label} answers again`);
      this.ok = true;
    } catch (err) {
      if (this.ok) {
        const reason = err instanceof StoreUnavailable ? err.message : `${this.label}: ${(err as Error).message}`;
        this.log(`mawjly: ${reason}; connected clients keep working, writes answer 503 until it is back`);
      }
      this.ok = false;
    } finally {
      clearTimeout(timer);
      // A probe that timed out still holds its connection: the next one waits until it settles.
      void probe.catch(() => {}).finally(() => (this.checking = false));
    }
  }
}
