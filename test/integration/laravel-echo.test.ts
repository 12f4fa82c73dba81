/**
 * Laravel Echo (broadcaster "pusher") against Mawjly, as most Pusher users reach it. Laravel
 * broadcasts class names such as App\Events\OrderShipped, so the app enables lenient event names.
 */
import { afterEach, beforeAll, expect, test } from "bun:test";
import Echo from "laravel-echo";
import PusherJS from "pusher-js";
import type { App } from "../../src/engine/app";
import { serverSdk, waitFor } from "../support/clients";
import { useServer } from "../support/server";

const server = useServer();
let app: App;
const echoes: Echo<"pusher">[] = [];

beforeAll(async () => {
  app = server().createApp(["--client-events", "--lenient-event-names"]);
});
afterEach(() => {
  for (const echo of echoes.splice(0)) echo.disconnect();
});

function echo(user: { id: string; name: string }): Echo<"pusher"> {
  const sdk = serverSdk(server(), app);
  const instance = new Echo<"pusher">({
    broadcaster: "pusher",
    Pusher: PusherJS,
    key: app.key,
    cluster: app.cluster,
    wsHost: server().host,
    wsPort: server().port,
    forceTLS: false,
    enabledTransports: ["ws"],
    disableStats: true,
    // What Laravel's /broadcasting/auth would answer, signed by the official SDK.
    authorizer: (channel: { name: string }) => ({
      authorize: (socketId: string, callback: (error: Error | null, data: unknown) => void) => {
        const data = channel.name.startsWith("presence-")
          ? sdk.authorizeChannel(socketId, channel.name, { user_id: user.id, user_info: { name: user.name } })
          : sdk.authorizeChannel(socketId, channel.name);
        callback(null, data);
      },
    }),
  } as any);
  echoes.push(instance);
  return instance;
}

async function subscribed(e: Echo<"pusher">, name: string): Promise<void> {
  const channel = (e.connector as any).pusher.channel(name);
  if (channel?.subscribed) return;
  await waitFor((cb) => channel.bind("pusher:subscription_succeeded", cb), 5000, `subscribed to ${name}`);
}

test("channel().listen() receives App\\Events\\OrderShipped broadcast by the server", async () => {
  const e = echo({ id: "1", name: "Ada" });
  const received = waitFor((cb) => e.channel("orders").listen("OrderShipped", cb));
  await subscribed(e, "orders");
  await serverSdk(server(), app).trigger("orders", "App\\Events\\OrderShipped", { order: { id: 42 } });
  expect(await received).toEqual({ order: { id: 42 } });
});

test("private() channel, whisper and listenForWhisper", async () => {
  const alice = echo({ id: "1", name: "Ada" });
  const bob = echo({ id: "2", name: "Bob" });
  const bobChannel = bob.private("chat.1");
  const typing = waitFor((cb) => bobChannel.listenForWhisper("typing", cb));
  const aliceChannel = alice.private("chat.1");
  await subscribed(alice, "private-chat.1");
  await subscribed(bob, "private-chat.1");
  aliceChannel.whisper("typing", { name: "Ada" });
  expect(await typing).toEqual({ name: "Ada" });
});

test("join() with here, joining and leaving, then leave()", async () => {
  const alice = echo({ id: "1", name: "Ada" });
  const here = waitFor<any[]>((cb) => alice.join("room.1").here(cb));
  expect(await here).toEqual([{ name: "Ada" }]);
  const joining = waitFor((cb) => alice.join("room.1").joining(cb));
  const leaving = waitFor((cb) => alice.join("room.1").leaving(cb));

  const bob = echo({ id: "2", name: "Bob" });
  const bobHere = waitFor<any[]>((cb) => bob.join("room.1").here(cb));
  expect(await joining).toEqual({ name: "Bob" });
  expect(await bobHere).toEqual([{ name: "Ada" }, { name: "Bob" }]);

  bob.leave("room.1");
  expect(await leaving).toEqual({ name: "Bob" });
  const users = await (await serverSdk(server(), app).get({ path: "/channels/presence-room.1/users" })).json();
  expect(users).toEqual({ users: [{ id: "1" }] });
});
