/**
 * Run as its own process by test/integration/start-path.test.ts: starts a server on an existing data
 * directory (argv: DIR KEY SECRET APP_ID), serves a socket that subscribes, a signed trigger delivered
 * to it, /health and /metrics, then prints the modules of TypeBox and Elysia this process loaded.
 */
import { loadConfig } from "../../src/config/config";
import { startServer } from "../../src/server";
import { signedQuery } from "../unit/signing";

const [dataDir, key, secret, appId] = process.argv.slice(2) as [string, string, string, string];
const server = await startServer(loadConfig({ host: "127.0.0.1", port: "0", dataDir, demo: false }, {}));
try {
  const ws = new WebSocket(`ws://127.0.0.1:${server.port}/app/${key}?protocol=7`);
  const frames: string[] = [];
  const next = (name: string) =>
    new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no ${name} within 10 s; got ${JSON.stringify(frames)}`)), 10_000);
      ws.addEventListener("message", function on(message) {
        frames.push(String(message.data));
        if (!String(message.data).includes(name)) return;
        clearTimeout(timer);
        ws.removeEventListener("message", on);
        resolve(String(message.data));
      });
    });
  await next("pusher:connection_established");
  const subscribed = next("pusher_internal:subscription_succeeded");
  ws.send(JSON.stringify({ event: "pusher:subscribe", data: { channel: "start-path" } }));
  await subscribed;
  const delivered = next("loaded-modules");
  const body = JSON.stringify({ name: "loaded-modules", channel: "start-path", data: "{}" });
  const path = `/apps/${appId}/events`;
  const answer = await fetch(`${server.url}${path}?${signedQuery({ key, secret, method: "POST", path, body })}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body,
  });
  if (answer.status !== 200) throw new Error(`trigger answered ${answer.status}: ${await answer.text()}`);
  await delivered;
  for (const route of ["/health", "/metrics"]) {
    const res = await fetch(`${server.url}${route}`);
    if (res.status !== 200) throw new Error(`${route} answered ${res.status}`);
  }
  ws.close();
  console.log(JSON.stringify(Object.keys(require.cache).filter((file) => /typebox|elysia/.test(file))));
} finally {
  await server.stop();
}
