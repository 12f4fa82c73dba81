/**
 * Notices app changes committed by another process or host (the CLI while `serve` runs, another node
 * on the same PostgreSQL) and reports the changed ids, within one poll (250 ms). The common idle poll
 * is one tiny row (AppStore.changeMark: app count, largest revision, retired keys) on either dialect;
 * every app's revision is read and compared only when that row moved.
 *
 * A failing poll (the database unreachable) is reported at most once a minute and the next poll tries
 * again; what changed meanwhile is found by the first poll that succeeds.
 */
import type { Report } from "./problems";
import type { AppStore, ChangeMark } from "./store";

export class AppChangeWatcher {
  private mark: ChangeMark | undefined;
  private revisions = new Map<string, number>();
  private timer: ReturnType<typeof setInterval> | undefined;
  /** Polls and syncs run one at a time, in the order asked. */
  private chain: Promise<void> = Promise.resolve();
  private busy = false;

  constructor(
    private readonly store: AppStore,
    private readonly onChange: (id: string) => void,
    /** Apps with live state here: one created and deleted between two polls must still be noticed. */
    private readonly liveIds: () => Iterable<string> = () => [],
    private readonly report: Report = () => {},
  ) {}

  /**
   * Reads the current revisions; nothing is reported for them. Before the cache loads: a change
   * committed between the two is then reported by the first poll instead of missed.
   */
  prime(): Promise<void> {
    return this.read();
  }

  /** Polls every `intervalMs` (primes first unless already primed). */
  async start(intervalMs = 250): Promise<void> {
    if (this.mark === undefined) await this.read();
    this.timer = setInterval(() => void this.poll(), intervalMs);
    this.timer.unref?.();
  }

  /** Stops polling; resolves when a poll under way has finished. */
  async stop(): Promise<void> {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
    await this.chain;
  }

  /** One poll; a poll still running when the next is due makes that one skip. */
  poll(): Promise<void> {
    if (this.busy) return this.chain;
    this.busy = true;
    return this.queue(async () => {
      try {
        const mark = await this.store.changeMark();
        if (this.mark !== undefined && sameMark(mark, this.mark) && !this.unknownLive()) return;
        await this.compare();
      } finally {
        this.busy = false;
      }
    });
  }

  /** Compares revisions with the last seen ones now; also used after this process's own changes. */
  sync(): Promise<void> {
    return this.queue(() => this.compare());
  }

  private async compare(): Promise<void> {
    const before = this.revisions;
    await this.read();
    const next = this.revisions;
    for (const [id, revision] of next) if (before.get(id) !== revision) this.onChange(id);
    for (const id of before.keys()) if (!next.has(id)) this.onChange(id);
    for (const id of this.liveIds()) if (!next.has(id) && !before.has(id)) this.onChange(id);
  }

  /** The mark first: a change committed between the two reads then shows again at the next poll. */
  private async read(): Promise<void> {
    const mark = await this.store.changeMark();
    this.revisions = await this.store.revisions();
    this.mark = mark;
  }

  /** An app live here that no poll has seen: created and deleted by others between two polls. */
  private unknownLive(): boolean {
    for (const id of this.liveIds()) if (!this.revisions.has(id)) return true;
    return false;
  }

  /** Runs `step` after the ones before it; a failure is reported, never thrown at the timer. */
  private queue(step: () => Promise<void>): Promise<void> {
    this.chain = this.chain.then(step).catch((err) => this.report("change watch", err));
    return this.chain;
  }
}

function sameMark(a: ChangeMark, b: ChangeMark): boolean {
  return a.apps === b.apps && a.revision === b.revision && a.retired === b.retired;
}
