/**
 * A Dispatcher over a real store with one app and one endpoint `e1`, for tests that drive it directly
 * (no server, no poll): what a request sends is up to `send`, what the dispatcher reports is kept.
 */
import { LifecycleBus } from "../../src/engine/bus";
import type { Db } from "../../src/store/db";
import { Backlog } from "../../src/webhooks/backlog";
import { DEFAULT_WEBHOOK_CONFIG, type WebhookConfig } from "../../src/webhooks/config";
import { Dispatcher } from "../../src/webhooks/dispatcher";
import { EndpointDirectory } from "../../src/webhooks/endpoint-directory";
import { EndpointStore } from "../../src/webhooks/endpoint-store";
import { DeliveryLogStore } from "../../src/webhooks/log-store";
import type { OutboxStore } from "../../src/webhooks/outbox-store";
import type { AppSender } from "../../src/webhooks/targets";
import { TickWriter } from "../../src/webhooks/tick-writer";
import { makeApp, MemoryAppDirectory } from "./fakes";

export const app = makeApp();

/** Creates the app and the endpoint `e1` in the store. */
export async function seedEndpoint(db: Db): Promise<void> {
  const stamp = new Date().toISOString();
  await db.run("INSERT INTO apps (id, name, created_at, updated_at) VALUES (?, ?, ?, ?)", [app.id, "app", stamp, stamp]);
  await db.run("INSERT INTO webhook_endpoints (id, app_id, url, events, enabled, batch, created_at, updated_at) VALUES ('e1', ?, 'http://x', '[]', 1, 0, ?, ?)", [
    app.id,
    stamp,
    stamp,
  ]);
}

export async function startDispatcher(
  db: Db,
  outbox: OutboxStore,
  send: AppSender,
  options: { config?: Partial<WebhookConfig>; claims?: { node: string } } = {},
): Promise<{ dispatcher: Dispatcher; reports: string[] }> {
  const directory = new EndpointDirectory(new EndpointStore(db));
  await directory.reload();
  const reports: string[] = [];
  const dispatcher = new Dispatcher({
    directory,
    apps: new MemoryAppDirectory([app]),
    outbox,
    log: new DeliveryLogStore(db),
    writer: new TickWriter(db),
    backlog: new Backlog(1000, () => Date.now()),
    bus: new LifecycleBus(),
    clock: { now: () => Date.now() },
    config: { ...DEFAULT_WEBHOOK_CONFIG, ...options.config },
    send,
    report: (what, err) => void reports.push(`${what}: ${String(err)}`),
    claims: options.claims,
  });
  return { dispatcher, reports };
}
