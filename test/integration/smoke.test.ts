import { expect, test } from "bun:test";
import { connected, pusherClient, serverSdk, waitFor } from "../support/clients";
import { useServer } from "../support/server";

const server = useServer();

test("pusher-js receives an event triggered with the pusher SDK", async () => {
  const app = server().createApp();
  const client = pusherClient(server(), app);
  try {
    await connected(client);
    const channel = client.subscribe("my-channel");
    await waitFor((cb) => channel.bind("pusher:subscription_succeeded", cb));
    const received = waitFor((cb) => channel.bind("my-event", cb));
    await serverSdk(server(), app).trigger("my-channel", "my-event", { hello: "world" });
    expect(await received).toEqual({ hello: "world" });
  } finally {
    client.disconnect();
  }
});
