/**
 * Where a lane's rows come from (dispatcher.ts). One node delivering its own outbox reads the due rows.
 * Several nodes sharing one PostgreSQL outbox claim them instead (outbox-store.ts `claim`): the claims
 * are renewed while this node lives, so that another node takes a row over only once this one died.
 */
import type { Clock } from "../engine/ports";
import type { OutboxRow, OutboxStore } from "./outbox-store";
import type { Report } from "./problems";

export interface RowSourceDeps {
  outbox: OutboxStore;
  clock: Clock;
  config: { claimMs: number };
  report: Report;
  /** Claim rows before sending them, as this node. */
  claims?: { node: string };
}

export class RowSource {
  private readonly renewer: ReturnType<typeof setInterval> | undefined;
  private closed = false;

  constructor(private readonly deps: RowSourceDeps) {
    // A third of the claim's length: two renewals may fail before another node could take over.
    if (deps.claims !== undefined) this.renewer = setInterval(() => void this.renew(), Math.max(10, Math.floor(deps.config.claimMs / 3)));
  }

  /**
   * Rows in delivery order (claimed for this node when claims are on): those due by `now`, or with
   * `before`, those that happened before it (expiry). `except` leaves out channels known to be blocked.
   */
  due(endpointId: string, now: number, limit: number, options: { before?: number; except?: string[] } = {}): Promise<OutboxRow[]> {
    const { outbox, claims, config } = this.deps;
    const { before, except } = options;
    if (claims === undefined) return before === undefined ? outbox.ready(endpointId, now, limit, except) : outbox.overdue(endpointId, before, limit);
    const readyBy = before === undefined ? now : before - 1;
    return outbox.claim(endpointId, { node: claims.node, until: now + config.claimMs, now, readyBy, limit, except });
  }

  /** No more renewals: at a graceful stop the claims are released, at a kill they lapse. */
  close(): void {
    this.closed = true;
    clearInterval(this.renewer);
  }

  private async renew(): Promise<void> {
    const claims = this.deps.claims;
    if (claims === undefined || this.closed) return;
    try {
      await this.deps.outbox.renew(claims.node, this.deps.clock.now() + this.deps.config.claimMs);
    } catch (err) {
      this.deps.report("claim renewal", err);
    }
  }
}
