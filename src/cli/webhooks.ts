/**
 * `mawjly webhooks add|list|update|remove|log|test|redeliver`. Talks to the same WebhookService as the
 * server; a running server picks up endpoint changes and redeliveries at its next poll (1 s by
 * default, MAWJLY_WEBHOOK_POLL_MS).
 */
import { AccountStore } from "../accounts/store";
import { AppCache } from "../apps/cache";
import { AppStore } from "../apps/store";
import { loadWebhookConfig } from "../webhooks/config";
import { EndpointStore } from "../webhooks/endpoint-store";
import { DeliveryLogStore } from "../webhooks/log-store";
import { OutboxStore } from "../webhooks/outbox-store";
import { EVENT_TYPES } from "../webhooks/event-types";
import type { DeliveryLogEntry, EndpointPatch, WebhookEndpoint } from "../webhooks/schema";
import { WebhookService } from "../webhooks/service";
import { postWebhook } from "../webhooks/sender";
import { guardTargets, privateRule } from "../webhooks/targets";
import { integerFlag, parse, subcommand, type Options, UsageError } from "./args";
import { dataDirHint, withStore } from "./store";

const OPTIONS: Options = {
  app: { type: "string" },
  url: { type: "string" },
  events: { type: "string" },
  event: { type: "string" },
  endpoint: { type: "string" },
  limit: { type: "string" },
  batch: { type: "boolean" },
  "no-batch": { type: "boolean" },
  enabled: { type: "boolean" },
  disabled: { type: "boolean" },
  json: { type: "boolean" },
};

export const WEBHOOKS_HELP = `Usage: mawjly webhooks <add|list|update|remove|log|test|redeliver> [options] [--data-dir DIR]

  webhooks add --app ID --url URL [--events E1,E2] [--batch] [--disabled] [--json]
  webhooks list --app ID [--json]
  webhooks update ENDPOINT_ID [--url URL] [--events E1,E2] [--enabled|--disabled] [--batch|--no-batch] [--json]
  webhooks remove ENDPOINT_ID
  webhooks log --app ID [--endpoint ENDPOINT_ID] [--limit N] [--json]
  webhooks test ENDPOINT_ID [--event TYPE] [--json]
  webhooks redeliver DELIVERY_ID

Event types: ${EVENT_TYPES.join(", ")}.
Default: all but client_event. --batch sends several events per request (Pusher's "batch webhooks").
Requests carry X-Pusher-Key and X-Pusher-Signature (HMAC-SHA256 of the body with the app's primary secret).`;

export async function webhooksCommand(argv: string[]): Promise<void> {
  const given = subcommand(argv, "webhooks", ["add", "list", "update", "remove", "log", "test", "redeliver"]);
  if (given === undefined) return void console.log(WEBHOOKS_HELP);
  const { sub, rest } = given;
  const { values, positionals } = parse(rest, OPTIONS, `webhooks ${sub}`);
  if (values.help) return void console.log(WEBHOOKS_HELP);
  // The data directory's SQLite file, or PostgreSQL with --database-url / MAWJLY_DATABASE_URL.
  await withStore(values, async (db, choice) => {
    // Every app in memory, as the server keeps them: the service resolves ids and keys synchronously.
    const apps = new AppCache(new AppStore(db));
    await apps.load();
    const config = loadWebhookConfig();
    // The admins as the command starts: a command lives for a moment, so this list stays true.
    const admins = new Set(await new AccountStore(db).adminIds());
    // The same private-target rule as the server (src/webhooks/targets.ts), for add, update and test.
    const rule = privateRule(config.allowPrivate, apps, (id) => admins.has(id));
    const service = new WebhookService({
      store: new EndpointStore(db),
      log: new DeliveryLogStore(db),
      outbox: new OutboxStore(db),
      apps,
      timeoutMs: config.timeoutMs,
      send: guardTargets(postWebhook, rule),
      privateRule: rule,
    });
    await run(service, sub, values, positionals, dataDirHint(choice));
  });
}

async function run(service: WebhookService, sub: string, values: Record<string, unknown>, positionals: string[], hint: string): Promise<void> {
  const json = values.json === true;
  const one = (what: string) => {
    if (positionals.length !== 1) throw new UsageError(`webhooks ${sub}: give exactly one ${what}`);
    return positionals[0]!;
  };
  const none = () => {
    if (positionals.length > 0) throw new UsageError(`webhooks ${sub}: unexpected argument '${positionals[0]}'`);
  };
  const app = () => {
    if (typeof values.app !== "string") throw new UsageError(`webhooks ${sub}: --app is required`);
    return values.app;
  };
  switch (sub) {
    case "add": {
      none();
      if (typeof values.url !== "string") throw new UsageError("webhooks add: --url is required");
      if (values["no-batch"] || values.enabled) throw new UsageError("webhooks add: use --batch or --disabled (the defaults are no batching, enabled)");
      const endpoint = await service.add(app(), { url: values.url, events: list(values.events), batch: values.batch === true, enabled: values.disabled !== true });
      return printEndpoint(endpoint, json);
    }
    case "list": {
      none();
      const endpoints = await service.list(app());
      if (json) return void console.log(JSON.stringify(endpoints, null, 2));
      if (endpoints.length === 0) return void console.log(`No webhook endpoints yet. Add one: mawjly webhooks add --app ID --url URL${hint}`);
      for (const e of endpoints) console.log(`${e.id}\t${e.enabled ? "enabled " : "disabled"}\t${e.batch ? "batch" : "single"}\t${e.url}\t${e.events.join(",")}`);
      return;
    }
    case "update":
      return printEndpoint(await service.update(one("endpoint id"), patch(values)), json);
    case "remove": {
      const endpoint = await service.remove(one("endpoint id"));
      return void console.log(`Removed webhook endpoint ${endpoint.id} (${endpoint.url})`);
    }
    case "log": {
      none();
      const limit = integerFlag("limit", values.limit);
      const entries = await service.log(app(), { limit, endpointId: values.endpoint as string | undefined });
      if (json) return void console.log(JSON.stringify(entries, null, 2));
      if (entries.length === 0) return void console.log("No webhook deliveries logged yet.");
      for (const e of entries) console.log(logLine(e));
      return;
    }
    case "test": {
      const entry = await service.sendTest(one("endpoint id"), values.event as string | undefined);
      if (json) return void console.log(JSON.stringify(entry));
      console.log(logLine(entry));
      if (entry.outcome !== "delivered") throw new Error(`test webhook to ${entry.url} failed: ${entry.error}`);
      return;
    }
    case "redeliver": {
      const raw = one("delivery id");
      if (!/^\d+$/.test(raw)) throw new UsageError(`webhooks redeliver: '${raw}' is not a delivery id (see 'mawjly webhooks log --app ID${hint}')`);
      const { endpointId, queued } = await service.redeliver(Number(raw));
      return void console.log(`Queued ${queued} event(s) again for ${endpointId}`);
    }
    default:
      throw new UsageError(`webhooks: unknown subcommand '${sub}' (use add, list, update, remove, log, test or redeliver)`);
  }
}

function list(value: unknown): string[] | undefined {
  if (value === undefined) return undefined;
  return String(value)
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "");
}

function patch(values: Record<string, unknown>): EndpointPatch {
  if (values.enabled && values.disabled) throw new UsageError("webhooks update: --enabled and --disabled contradict each other");
  if (values.batch && values["no-batch"]) throw new UsageError("webhooks update: --batch and --no-batch contradict each other");
  const out: EndpointPatch = {};
  if (typeof values.url === "string") out.url = values.url;
  if (values.events !== undefined) out.events = list(values.events);
  if (values.enabled) out.enabled = true;
  if (values.disabled) out.enabled = false;
  if (values.batch) out.batch = true;
  if (values["no-batch"]) out.batch = false;
  if (Object.keys(out).length === 0) throw new UsageError("webhooks update: nothing to change (see 'mawjly webhooks --help')");
  return out;
}

function printEndpoint(e: WebhookEndpoint, json: boolean): void {
  if (json) return void console.log(JSON.stringify(e));
  console.log(`id       ${e.id}
app_id   ${e.appId}
url      ${e.url}
events   ${e.events.join(",")}
enabled  ${e.enabled}
batch    ${e.batch}`);
}

function logLine(e: DeliveryLogEntry): string {
  const status = e.status === null ? "-" : String(e.status);
  const latency = e.latencyMs === null ? "-" : `${e.latencyMs}ms`;
  return [e.id, e.time, e.endpointId, e.kind, e.outcome, `attempt=${e.attempt}`, `status=${status}`, latency, `${e.eventCount}×${e.eventTypes.join(",")}`, e.error ?? ""]
    .join("\t")
    .trimEnd();
}
