/**
 * Server and webhook settings: defaults, and the exact one-line messages for bad values. The
 * messages are TypeBox 0.34's words (they were written while TypeBox validated these settings) and
 * must stay the same now that src/config/settings.ts checks them.
 */
import { describe, expect, test } from "bun:test";
import { ConfigError, loadConfig } from "../../src/config/config";
import { DEFAULT_WEBHOOK_CONFIG, loadWebhookConfig, type WebhookConfig } from "../../src/webhooks/config";

/** The message of the ConfigError that `run` throws. */
function failure(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).message;
  }
  throw new Error("expected a ConfigError");
}

describe("loadConfig", () => {
  test("defaults: every required setting, no optional one", () => {
    expect(loadConfig({}, {})).toStrictEqual({
      host: "0.0.0.0",
      port: 6001,
      dataDir: "./data",
      activityTimeout: 120,
      pongTimeout: 30,
      cacheTtl: 1800,
      demo: true,
      trustProxy: false,
    });
  });

  test("flags win over the environment; empty values count as unset", () => {
    const config = loadConfig({ port: "7000", demo: false }, { MAWJLY_PORT: "8000", MAWJLY_HOST: "", MAWJLY_TLS_CERT: "c", MAWJLY_TLS_KEY: "k", MAWJLY_METRICS_TOKEN: "12345678" });
    expect(config).toStrictEqual({ ...loadConfig({}, {}), port: 7000, demo: false, tlsCert: "c", tlsKey: "k", metricsToken: "12345678" });
  });

  test("out-of-range numbers name the flag or variable they came from", () => {
    expect(failure(() => loadConfig({ port: "70000" }, {}))).toBe("Invalid value for --port: Expected integer to be less or equal to 65535");
    expect(failure(() => loadConfig({}, { MAWJLY_PORT: "70000" }))).toBe("Invalid value for MAWJLY_PORT: Expected integer to be less or equal to 65535");
    expect(failure(() => loadConfig({ activityTimeout: "0" }, {}))).toBe("Invalid value for --activity-timeout: Expected integer to be greater or equal to 1");
    expect(failure(() => loadConfig({}, { MAWJLY_ACTIVITY_TIMEOUT: "0" }))).toBe("Invalid value for MAWJLY_ACTIVITY_TIMEOUT: Expected integer to be greater or equal to 1");
    expect(failure(() => loadConfig({}, { MAWJLY_ACTIVITY_TIMEOUT: "3601" }))).toBe("Invalid value for MAWJLY_ACTIVITY_TIMEOUT: Expected integer to be less or equal to 3600");
    expect(failure(() => loadConfig({ pongTimeout: "601" }, {}))).toBe("Invalid value for --pong-timeout: Expected integer to be less or equal to 600");
    expect(failure(() => loadConfig({}, { MAWJLY_PONG_TIMEOUT: "0" }))).toBe("Invalid value for MAWJLY_PONG_TIMEOUT: Expected integer to be greater or equal to 1");
    expect(failure(() => loadConfig({}, { MAWJLY_CACHE_TTL: "0" }))).toBe("Invalid value for MAWJLY_CACHE_TTL: Expected integer to be greater or equal to 1");
  });

  test("a metrics token shorter than 8 characters", () => {
    expect(failure(() => loadConfig({}, { MAWJLY_METRICS_TOKEN: "1234567" }))).toBe("Invalid value for MAWJLY_METRICS_TOKEN: Expected string length greater or equal to 8");
    expect(failure(() => loadConfig({ metricsToken: "short" }, {}))).toBe("Invalid value for --metrics-token: Expected string length greater or equal to 8");
  });

  test("wrong kinds of value", () => {
    expect(failure(() => loadConfig({ host: true }, {}))).toBe("Invalid value for --host: Expected string");
    expect(failure(() => loadConfig({}, { MAWJLY_PORT: "6001.5" }))).toBe("Invalid value for MAWJLY_PORT: '6001.5' is not a whole number");
    expect(failure(() => loadConfig({ port: true }, {}))).toBe("Invalid value for --port: 'true' is not a whole number");
    expect(failure(() => loadConfig({}, { MAWJLY_DEMO: "maybe" }))).toBe("Invalid value for MAWJLY_DEMO: 'maybe' is not true/false");
  });

  test("the first bad setting in declaration order is the one reported", () => {
    const env = { MAWJLY_CACHE_TTL: "0", MAWJLY_PONG_TIMEOUT: "601", MAWJLY_PORT: "70000" };
    expect(failure(() => loadConfig({}, env))).toBe("Invalid value for MAWJLY_PORT: Expected integer to be less or equal to 65535");
    expect(failure(() => loadConfig({ metricsToken: "short" }, { MAWJLY_CACHE_TTL: "0" }))).toBe("Invalid value for MAWJLY_CACHE_TTL: Expected integer to be greater or equal to 1");
  });
});

describe("webhook settings", () => {
  const TODAY: WebhookConfig = {
    delayMs: 3000,
    timeoutMs: 4000,
    retryPeriodMs: 300_000,
    backoffMs: 1000,
    backoffMaxMs: 60_000,
    concurrency: 4,
    batchMs: 50,
    batchMax: 100,
    maxPending: 100_000,
    logHours: 72,
    logMaxPerApp: 10_000,
    pollMs: 1000,
    claimMs: 15_000,
  };
  /** Each setting, its variable and its minimum. */
  const MINIMUMS: [keyof WebhookConfig, string, number][] = [
    ["delayMs", "MAWJLY_WEBHOOK_DELAY_MS", 0],
    ["timeoutMs", "MAWJLY_WEBHOOK_TIMEOUT_MS", 1],
    ["retryPeriodMs", "MAWJLY_WEBHOOK_RETRY_PERIOD_MS", 0],
    ["backoffMs", "MAWJLY_WEBHOOK_BACKOFF_MS", 1],
    ["backoffMaxMs", "MAWJLY_WEBHOOK_BACKOFF_MAX_MS", 1],
    ["concurrency", "MAWJLY_WEBHOOK_CONCURRENCY", 1],
    ["batchMs", "MAWJLY_WEBHOOK_BATCH_MS", 0],
    ["batchMax", "MAWJLY_WEBHOOK_BATCH_MAX", 1],
    ["maxPending", "MAWJLY_WEBHOOK_MAX_PENDING", 1],
    ["logHours", "MAWJLY_WEBHOOK_LOG_HOURS", 1],
    ["logMaxPerApp", "MAWJLY_WEBHOOK_LOG_MAX", 1],
    ["pollMs", "MAWJLY_WEBHOOK_POLL_MS", 10],
    ["claimMs", "MAWJLY_WEBHOOK_CLAIM_MS", 100],
    ["allowPrivate", "MAWJLY_WEBHOOK_ALLOW_PRIVATE", 0],
  ];

  test("defaults, with allowPrivate unset", () => {
    expect(DEFAULT_WEBHOOK_CONFIG).toStrictEqual(TODAY);
    expect(loadWebhookConfig({})).toStrictEqual(TODAY);
  });

  test("environment, then overrides", () => {
    const env = { MAWJLY_WEBHOOK_CONCURRENCY: "0", MAWJLY_WEBHOOK_ALLOW_PRIVATE: "1", MAWJLY_WEBHOOK_DELAY_MS: "" };
    expect(loadWebhookConfig(env, { concurrency: 2, delayMs: undefined })).toEqual({ ...TODAY, concurrency: 2, allowPrivate: 1 });
  });

  test("every setting below its minimum names its variable", () => {
    for (const [name, variable, minimum] of MINIMUMS) {
      const message = `Invalid setting ${variable}: Expected integer to be greater or equal to ${minimum}`;
      expect(failure(() => loadWebhookConfig({}, { [name]: minimum - 1 }))).toBe(message);
      if (minimum > 0) expect(failure(() => loadWebhookConfig({ [variable]: String(minimum - 1) }))).toBe(message);
    }
    expect(failure(() => loadWebhookConfig({ MAWJLY_WEBHOOK_TIMEOUT_MS: "0" }))).toBe("Invalid setting MAWJLY_WEBHOOK_TIMEOUT_MS: Expected integer to be greater or equal to 1");
  });

  test("MAWJLY_WEBHOOK_ALLOW_PRIVATE is 0 or 1", () => {
    expect(failure(() => loadWebhookConfig({ MAWJLY_WEBHOOK_ALLOW_PRIVATE: "2" }))).toBe("Invalid setting MAWJLY_WEBHOOK_ALLOW_PRIVATE: Expected integer to be less or equal to 1");
  });

  test("wrong kinds of value", () => {
    expect(failure(() => loadWebhookConfig({}, { concurrency: 1.5 }))).toBe("Invalid setting MAWJLY_WEBHOOK_CONCURRENCY: Expected integer");
    expect(failure(() => loadWebhookConfig({}, { allowPrivate: 0.5 }))).toBe("Invalid setting MAWJLY_WEBHOOK_ALLOW_PRIVATE: Expected integer");
    expect(failure(() => loadWebhookConfig({}, { delayMs: "5" as unknown as number }))).toBe("Invalid setting MAWJLY_WEBHOOK_DELAY_MS: Expected integer");
    expect(failure(() => loadWebhookConfig({ MAWJLY_WEBHOOK_BATCH_MS: "-1" }))).toBe("Invalid value for MAWJLY_WEBHOOK_BATCH_MS: '-1' is not a whole number");
  });

  test("the first bad setting in declaration order is the one reported", () => {
    const env = { MAWJLY_WEBHOOK_CLAIM_MS: "0", MAWJLY_WEBHOOK_BACKOFF_MS: "0", MAWJLY_WEBHOOK_TIMEOUT_MS: "0" };
    expect(failure(() => loadWebhookConfig(env, { concurrency: 1.5 }))).toBe("Invalid setting MAWJLY_WEBHOOK_TIMEOUT_MS: Expected integer to be greater or equal to 1");
    expect(failure(() => loadWebhookConfig({ MAWJLY_WEBHOOK_POLL_MS: "1" }, { concurrency: 1.5 }))).toBe("Invalid setting MAWJLY_WEBHOOK_CONCURRENCY: Expected integer");
  });
});
