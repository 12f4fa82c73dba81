/** Watchlist events (§3.6) and authorized connections (§3.8), with the official pusher-js. */
import { afterAll, afterEach, expect, test } from "bun:test";
import type PusherJS from "pusher-js";
import { connected, pusherClient, RawSocket, roundTrip, waitFor } from "../support/clients";
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
/** After signin(): pusher-js settles signinDonePromise when the sign-in succeeded or failed. */
async function signedIn(c: PusherJS): Promise<void> {
  await waitFor((cb) => (c.user as any).signinDonePromise.then(cb), 5000, "sign-in");
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
  const online = waitFor<WatchEvent>((cb) => alice.user.watchlist.bind("online", cb), 5000, "the initial online event");
  const offline = waitFor<WatchEvent>((cb) => alice.user.watchlist.bind("offline", cb), 5000, "the initial offline event");
  alice.signin();
  await signedIn(alice);
  expect(await online).toEqual({ name: "online", user_ids: ["bob"] });
  expect(await offline).toEqual({ name: "offline", user_ids: ["carol"] });

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
  // The server sends the initial status right after pusher:signin_success, before it answers a ping
  // that follows: a round trip after the sign-in is the point by which a frame would have arrived.
  // The same steps on an app with watchlist events on show that it does arrive by then.
  const count = async (app: Parameters<typeof pusherClient>[1]) => {
    const alice = client(app, { id: "alice", watchlist: ["bob"] });
    let events = 0;
    alice.user.watchlist.bind("offline", () => events++);
    alice.signin();
    await signedIn(alice);
    await roundTrip(alice);
    return events;
  };
  expect(await count(server().createApp(["--watchlist"]))).toBe(1);
  expect(await count(server().createApp())).toBe(0);
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
  const ids = [signedIn.connection.socket_id, joined.connection.socket_id];
  // A socket opened after both that does neither shows when their deadline has passed too.
  const idle = await RawSocket.connect(server(), app.key);
  expect((await idle.closed(4000)).code).toBe(4009);
  await Promise.all([roundTrip(signedIn), roundTrip(joined)]);
  expect(signedIn.connection.state).toBe("connected");
  expect(joined.connection.state).toBe("connected");
  expect([signedIn.connection.socket_id, joined.connection.socket_id]).toEqual(ids);
});
