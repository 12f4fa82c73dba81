/** Watchlist events (§3.6) and authorized connections (§3.8), with the official pusher-js. */
import { afterAll, afterEach, expect, test } from "bun:test";
import type PusherJS from "pusher-js";
import { connected, pusherClient, RawSocket, waitFor } from "../support/clients";
import { useServer } from "../support/server";

const server = useServer();
const clients: PusherJS[] = [];
afterEach(() => {
  for (const c of clients.splice(0)) c.disconnect();
});
afterAll(async () => {
  if (process.env.SHOW_SERVER) console.log(server().output());
});

function client(app: Parameters<typeof pusherClient>[1], user: { id: string; watchlist?: string[] }) {
  const c = pusherClient(server(), app, { user });
  clients.push(c);
  return c;
}

/** pusher-js sets user.user_data once pusher:signin_success arrived. */
async function signedIn(c: PusherJS): Promise<void> {
  for (let i = 0; i < 250 && !(c.user as any).user_data; i++) await Bun.sleep(20);
  expect((c.user as any).user_data).toBeTruthy();
}

interface WatchEvent {
  name: string;
  user_ids: string[];
}

test("initial status after sign-in, then online/offline changes of watched users", async () => {
  const app = server().createApp(["--watchlist"]);
  const bob = client(app, { id: "bob" });
  bob.signin();
  await signedIn(bob);

  const alice = client(app, { id: "alice", watchlist: ["bob", "carol"] });
  const online: WatchEvent[] = [];
  const offline: WatchEvent[] = [];
  alice.user.watchlist.bind("online", (e: WatchEvent) => online.push(e));
  alice.user.watchlist.bind("offline", (e: WatchEvent) => offline.push(e));
  alice.signin();
  await signedIn(alice);
  for (let i = 0; i < 100 && (online.length === 0 || offline.length === 0); i++) await Bun.sleep(20);
  expect(online[0]).toEqual({ name: "online", user_ids: ["bob"] });
  expect(offline[0]).toEqual({ name: "offline", user_ids: ["carol"] });

  // carol's first connection signs in: alice hears "online".
  const carol = client(app, { id: "carol" });
  const carolOnline = waitFor<WatchEvent>((cb) => alice.user.watchlist.bind("online", cb));
  carol.signin();
  expect(await carolOnline).toEqual({ name: "online", user_ids: ["carol"] });

  // bob's last connection leaves: alice hears "offline".
  const bobOffline = waitFor<WatchEvent>((cb) => alice.user.watchlist.bind("offline", cb));
  bob.disconnect();
  expect(await bobOffline).toEqual({ name: "offline", user_ids: ["bob"] });
});

test("more than 100 watched ids: sign-in succeeds, extra ids ignored, pusher:error 4302", async () => {
  const app = server().createApp(["--watchlist"]);
  const watchlist = Array.from({ length: 105 }, (_, i) => `u${i}`);
  const alice = client(app, { id: "alice", watchlist });
  const errors: any[] = [];
  alice.connection.bind("error", (e: any) => errors.push(e));
  const offline = waitFor<WatchEvent>((cb) => alice.user.watchlist.bind("offline", cb));
  alice.signin();
  expect((await offline).user_ids).toEqual(watchlist.slice(0, 100));
  expect(errors.map((e) => e.data)).toContainEqual({
    code: 4302,
    message: "Watchlist limit exceeded: 105 ids, only the first 100 are watched",
  });
});

test("no watchlist frames when the app does not enable them", async () => {
  const app = server().createApp();
  const alice = client(app, { id: "alice", watchlist: ["bob"] });
  let events = 0;
  alice.user.watchlist.bind("offline", () => events++);
  alice.signin();
  await signedIn(alice);
  await Bun.sleep(300);
  expect(events).toBe(0);
});

test("authorized connections: a socket that never authenticates is closed with 4009", async () => {
  const app = server().createApp(["--user-auth", "--user-auth-timeout", "1"]);
  const idle = await RawSocket.connect(server(), app.key);
  const error = await idle.next((f) => f.event === "pusher:error", 4000);
  expect(error.data).toEqual({ code: 4009, message: "Connection is unauthorized: sign in or join a private channel in time" });
  expect((await idle.closed()).code).toBe(4009);
});

test("authorized connections: signing in or joining a private channel in time keeps the socket", async () => {
  const app = server().createApp(["--user-auth", "--user-auth-timeout", "1"]);
  const signedIn = client(app, { id: "alice" });
  signedIn.signin();
  const joined = client(app, { id: "bob" });
  joined.subscribe("private-room");
  await connected(signedIn);
  await connected(joined);
  await Bun.sleep(2200);
  expect(signedIn.connection.state).toBe("connected");
  expect(joined.connection.state).toBe("connected");
});
