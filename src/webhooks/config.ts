/**
 * Webhook settings with their defaults and environment variables. Defaults follow Pusher where it
 * documents a figure (§6.4: removals delayed up to 3 s, 4 s request timeout, retries for 5 minutes)
 * and sockudo where it does not (batches of 50 ms / 100 events).
 */
import { ConfigError } from "../config/config";
import { firstError, withDefaults, type Setting, type Values } from "../config/settings";

const ms = (def: number, description: string, env: string, minimum = 0) => ({ type: "integer", minimum, default: def, description, env }) as const;

/** Each setting once: its default, minimum, description and variable. */
const SETTINGS = {
  delayMs: ms(3000, "Hold channel_vacated/member_removed this long; a quick comeback cancels both", "MAWJLY_WEBHOOK_DELAY_MS"),
  timeoutMs: ms(4000, "Request timeout; a slower answer counts as a failure", "MAWJLY_WEBHOOK_TIMEOUT_MS", 1),
  retryPeriodMs: ms(300_000, "Retry a failing event for this long after it happened", "MAWJLY_WEBHOOK_RETRY_PERIOD_MS"),
  backoffMs: ms(1000, "First retry delay; doubles per attempt, with jitter", "MAWJLY_WEBHOOK_BACKOFF_MS", 1),
  backoffMaxMs: ms(60_000, "Longest retry delay", "MAWJLY_WEBHOOK_BACKOFF_MAX_MS", 1),
  concurrency: ms(4, "Requests in flight per endpoint", "MAWJLY_WEBHOOK_CONCURRENCY", 1),
  batchMs: ms(50, "Batching endpoints: collect events this long", "MAWJLY_WEBHOOK_BATCH_MS"),
  batchMax: ms(100, "Batching endpoints: at most this many events per request", "MAWJLY_WEBHOOK_BATCH_MAX", 1),
  maxPending: ms(100_000, "Outbox bound per endpoint; newer events are dropped beyond it", "MAWJLY_WEBHOOK_MAX_PENDING", 1),
  logHours: ms(72, "Keep delivery-log entries this many hours", "MAWJLY_WEBHOOK_LOG_HOURS", 1),
  logMaxPerApp: ms(10_000, "Keep at most this many delivery-log entries per app", "MAWJLY_WEBHOOK_LOG_MAX", 1),
  pollMs: ms(1000, "How often to look for changes made by another process, e.g. the CLI", "MAWJLY_WEBHOOK_POLL_MS", 10),
  claimMs: ms(
    15_000,
    "PostgreSQL: a node's claim on the outbox rows it sends lasts this long unless renewed; a dead node's rows are taken over after it",
    "MAWJLY_WEBHOOK_CLAIM_MS",
    100,
  ),
  allowPrivate: {
    type: "integer",
    minimum: 0,
    maximum: 1,
    optional: true,
    description: "Webhooks to loopback/private addresses: unset = only admins' apps and apps without an owner; 1 = every app; 0 = none",
    env: "MAWJLY_WEBHOOK_ALLOW_PRIVATE",
  },
} as const satisfies Record<string, Setting>;
export type WebhookConfig = Values<typeof SETTINGS>;

export const DEFAULT_WEBHOOK_CONFIG: WebhookConfig = withDefaults(SETTINGS, {});

/** Defaults ← environment ← explicit overrides; throws ConfigError naming the variable. */
export function loadWebhookConfig(env: Record<string, string | undefined> = process.env, overrides: Partial<WebhookConfig> = {}): WebhookConfig {
  const raw: Record<string, unknown> = {};
  for (const [name, { env: variable }] of Object.entries(SETTINGS)) {
    const value = env[variable];
    if (value === undefined || value === "") continue;
    if (!/^\d+$/.test(value)) throw new ConfigError(`Invalid value for ${variable}: '${value}' is not a whole number`);
    raw[name] = Number(value);
  }
  const config = withDefaults(SETTINGS, { ...raw, ...overrides });
  const first = firstError(SETTINGS, config);
  if (first !== undefined) throw new ConfigError(`Invalid setting ${SETTINGS[first.name].env}: ${first.message}`);
  return config;
}
