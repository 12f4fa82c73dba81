/**
 * The Pusher HTTP API (§5) as an Elysia plugin. Bodies are read raw (`parse: "none"`): the signature
 * covers the exact bytes, and the body is parsed as JSON whatever its Content-Type.
 */
import { Elysia } from "elysia";
import type { ApiDeps } from "./auth";
import { triggerBatch } from "./endpoints/batch-events";
import { channelInfo } from "./endpoints/channel";
import { channelUsers } from "./endpoints/channel-users";
import { listChannels } from "./endpoints/channels";
import { triggerEvents } from "./endpoints/events";
import { terminateUser } from "./endpoints/terminate";
import { respond } from "./respond";

const raw = { parse: "none" as const };

export function pusherHttpApi(deps: ApiDeps) {
  return new Elysia({ name: "pusher-http-api" })
    .post("/apps/:appId/events", ({ request, params }) => respond(() => triggerEvents(deps, request, params.appId)), raw)
    .post("/apps/:appId/batch_events", ({ request, params }) => respond(() => triggerBatch(deps, request, params.appId)), raw)
    .get("/apps/:appId/channels", ({ request, params }) => respond(() => listChannels(deps, request, params.appId)))
    .get("/apps/:appId/channels/:channel", ({ request, params }) =>
      respond(() => channelInfo(deps, request, params.appId, params.channel)),
    )
    .get("/apps/:appId/channels/:channel/users", ({ request, params }) =>
      respond(() => channelUsers(deps, request, params.appId, params.channel)),
    )
    .post(
      "/apps/:appId/users/:userId/terminate_connections",
      ({ request, params }) => respond(() => terminateUser(deps, request, params.appId, params.userId)),
      raw,
    );
}
