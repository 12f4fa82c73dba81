/** The first-start message: a demo app and a snippet to paste, so a newcomer connects within a minute. */
import type { App } from "../engine/app";

export function printDemoApp(app: App, host: string, port: number): void {
  console.log(`mawjly: created a demo app (first start with an empty data directory)

  app_id  ${app.id}
  key     ${app.key}
  secret  ${app.secret}
  cluster ${app.cluster}

  Browser (pusher-js):

    import Pusher from "pusher-js";

    const pusher = new Pusher("${app.key}", {
      cluster: "${app.cluster}",
      wsHost: "${host}",
      wsPort: ${port},
      forceTLS: false,
      enabledTransports: ["ws", "wss"],
    });
    pusher.subscribe("my-channel").bind("my-event", (data) => console.log(data));

  Server (Node "pusher" SDK, in an ES module):

    import Pusher from "pusher";

    const pusher = new Pusher({ appId: "${app.id}", key: "${app.key}", secret: "${app.secret}",
      host: "${host}", port: "${port}", useTLS: false });
    await pusher.trigger("my-channel", "my-event", { message: "hello" });
`);
}
