/**
 * Copy-ready client and server configuration for an app, pointed at this server as the browser
 * reached it (Host header, X-Forwarded-Proto behind a TLS-terminating proxy). The secret appears only
 * when the owner revealed it; otherwise a placeholder that cannot be mistaken for a real value.
 */
import type { App } from "../engine/app";

export interface Endpoint {
  host: string;
  port: number;
  tls: boolean;
}

export const SECRET_PLACEHOLDER = "YOUR_APP_SECRET";

export function endpointOf(request: Request): Endpoint {
  const url = new URL(request.url);
  const proto = request.headers.get("x-forwarded-proto")?.split(",")[0]?.trim();
  const tls = proto !== undefined && proto !== "" ? proto === "https" : url.protocol === "https:";
  const hostHeader = request.headers.get("host") ?? url.host;
  // [v6]:port or name:port; a missing port is the scheme's default.
  const match = /^(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(hostHeader);
  const host = match?.[1] ?? url.hostname;
  const port = match?.[2] !== undefined ? Number(match[2]) : tls ? 443 : 80;
  return { host, port, tls };
}

export interface Snippets {
  pusherJs: string;
  laravelEnv: string;
  laravelBroadcasting: string;
  laravelEcho: string;
  nodeServer: string;
}

export function snippetsFor(app: App, at: Endpoint, secret: string | undefined): Snippets {
  const s = secret ?? SECRET_PLACEHOLDER;
  const scheme = at.tls ? "https" : "http";
  const portLine = at.tls ? `wssPort: ${at.port}` : `wsPort: ${at.port}`;
  return {
    pusherJs: `import Pusher from "pusher-js";

const pusher = new Pusher("${app.key}", {
  cluster: "${app.cluster}",
  wsHost: "${at.host}",
  ${portLine},
  forceTLS: ${at.tls},
  enabledTransports: ["ws", "wss"],
});

pusher.subscribe("my-channel").bind("my-event", (data) => {
  console.log("received", data);
});`,
    laravelEnv: `BROADCAST_CONNECTION=pusher

PUSHER_APP_ID=${app.id}
PUSHER_APP_KEY=${app.key}
PUSHER_APP_SECRET=${s}
PUSHER_HOST=${at.host}
PUSHER_PORT=${at.port}
PUSHER_SCHEME=${scheme}
PUSHER_APP_CLUSTER=${app.cluster}

VITE_PUSHER_APP_KEY="\${PUSHER_APP_KEY}"
VITE_PUSHER_HOST="\${PUSHER_HOST}"
VITE_PUSHER_PORT="\${PUSHER_PORT}"
VITE_PUSHER_SCHEME="\${PUSHER_SCHEME}"
VITE_PUSHER_APP_CLUSTER="\${PUSHER_APP_CLUSTER}"`,
    laravelBroadcasting: `// config/broadcasting.php, in 'connections'
'pusher' => [
    'driver' => 'pusher',
    'key' => env('PUSHER_APP_KEY'),
    'secret' => env('PUSHER_APP_SECRET'),
    'app_id' => env('PUSHER_APP_ID'),
    'options' => [
        'cluster' => env('PUSHER_APP_CLUSTER'),
        'host' => env('PUSHER_HOST'),
        'port' => env('PUSHER_PORT', ${at.port}),
        'scheme' => env('PUSHER_SCHEME', '${scheme}'),
        'encrypted' => true,
        'useTLS' => env('PUSHER_SCHEME', '${scheme}') === 'https',
    ],
],`,
    laravelEcho: `// resources/js/echo.js
import Echo from "laravel-echo";
import Pusher from "pusher-js";

window.Pusher = Pusher;
window.Echo = new Echo({
  broadcaster: "pusher",
  key: import.meta.env.VITE_PUSHER_APP_KEY,
  cluster: import.meta.env.VITE_PUSHER_APP_CLUSTER,
  wsHost: import.meta.env.VITE_PUSHER_HOST,
  wsPort: import.meta.env.VITE_PUSHER_PORT ?? 80,
  wssPort: import.meta.env.VITE_PUSHER_PORT ?? 443,
  forceTLS: (import.meta.env.VITE_PUSHER_SCHEME ?? "https") === "https",
  enabledTransports: ["ws", "wss"],
});`,
    nodeServer: `import Pusher from "pusher";

const pusher = new Pusher({
  appId: "${app.id}",
  key: "${app.key}",
  secret: "${s}",
  cluster: "${app.cluster}",
  host: "${at.host}",
  port: "${at.port}",
  useTLS: ${at.tls},
});

await pusher.trigger("my-channel", "my-event", { message: "hello" });`,
  };
}
