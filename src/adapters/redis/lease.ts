/**
 * One node of the cluster holds a named lease at a time (here: delivering the shared webhook outbox,
 * so that each webhook is sent once, not once per node). The holder renews it every second for 15 s;
 * when the holder dies, another node takes it within about 16 s. The holder starts work only while
 * enough of its lease remains for that work to end before the lease can (`remaining`): a webhook
 * request started by the old holder is over before a new holder may start the same row.
 */
import type Redis from "ioredis";

const TTL_MS = 15_000;
const RENEW_MS = 1000;

/** Renew only our own lease: check and extend in one step. */
const RENEW = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end return 0`;

export class Lease {
  private until = 0;
  private timer: ReturnType<typeof setInterval> | undefined;

  constructor(
    private readonly redis: Redis,
    private readonly key: string,
    private readonly holder: string,
  ) {}

  /** Milliseconds of the lease this node is sure to hold (0: not the holder). */
  remaining(): number {
    return Math.max(0, this.until - Date.now());
  }

  async start(): Promise<void> {
    await this.tick();
    this.timer = setInterval(() => void this.tick(), RENEW_MS);
    this.timer.unref?.();
  }

  private async tick(): Promise<void> {
    const asked = Date.now();
    try {
      const renewed = Number(await this.redis.eval(RENEW, 1, this.key, this.holder, TTL_MS)) === 1;
      const taken = renewed || (await this.redis.set(this.key, this.holder, "PX", TTL_MS, "NX")) === "OK";
      // Counted from before the request: Redis set the expiry later than that, never earlier.
      if (taken) this.until = asked + TTL_MS;
    } catch {
      // Redis unreachable: the lease runs out on its own, and so does our belief that we hold it.
    }
  }

  /** Gives the lease up at once, so another node takes over without waiting for it to expire. */
  async stop(): Promise<void> {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.until = 0;
    await this.redis.eval(`if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`, 1, this.key, this.holder).catch(() => {});
  }
}
