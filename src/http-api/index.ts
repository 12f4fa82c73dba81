/**
 * The Pusher HTTP API (§5) as an Elysia plugin. Bodies are read raw (`parse: "none"`): the signature
 * covers the exact bytes, and the body is parsed as JSON whatever its Content-Type. Because Elysia
 * does not see the body, the OpenAPI request bodies are declared from the same TypeBox schemas.
 */
import { Type, type TSchema } from "@sinclair/typebox";
import { Elysia } from "elysia";
import type { ApiDeps } from "./auth";
import { triggerBatch } from "./endpoints/batch-events";
import { channelInfo } from "./endpoints/channel";
import { channelUsers } from "./endpoints/channel-users";
import { listChannels } from "./endpoints/channels";
import { triggerEvents } from "./endpoints/events";
import { terminateUser, terminateUserByKey } from "./endpoints/terminate";
import { respond } from "./respond";

/** The request body of POST /events, as the OpenAPI document shows it (checkTrigger in trigger.ts checks it). */
const TriggerBody = Type.Object({
  name: Type.String({ description: "Event name, at most 200 characters" }),
  data: Type.String({ description: "Event data as a string (SDKs JSON-encode objects); at most 10 KB" }),
  channel: Type.Optional(Type.String({ description: "One channel; or use `channels`" })),
  channels: Type.Optional(Type.Array(Type.String(), { description: "1–100 channels" })),
  socket_id: Type.Optional(Type.String({ description: "This connection does not receive the event" })),
  info: Type.Optional(Type.String({ description: "Comma list: user_count, subscription_count" })),
});

const SIGNED = [
  { name: "auth_key", in: "query", required: true, schema: { type: "string" }, description: "An active key of the app" },
  { name: "auth_timestamp", in: "query", required: true, schema: { type: "integer" }, description: "Unix seconds, ±600 s" },
  { name: "auth_version", in: "query", required: true, schema: { type: "string", enum: ["1.0"] } },
  { name: "body_md5", in: "query", required: false, schema: { type: "string" }, description: "Hex MD5 of the body (requests with a body)" },
  { name: "auth_signature", in: "query", required: true, schema: { type: "string" }, description: "HMAC-SHA256 hex, see the description above" },
];
const ERRORS = {
  400: "Bad request: the body or a parameter is invalid (message says which)",
  401: "Missing or wrong signature, expired timestamp or wrong body_md5",
  403: "App disabled, or the account's daily message quota is used up",
  404: "No app with this id",
  413: "Event data larger than the app's limit (10 KB by default)",
  429: "More requests per second than the app allows",
};

function doc(summary: string, description: string, body?: TSchema, extraParams: object[] = []) {
  const responses: Record<string, unknown> = { 200: { description: "Success (a JSON object)" } };
  for (const [status, text] of Object.entries(ERRORS)) {
    responses[status] = { description: `${text}. Body: {"error": "…"}` };
  }
  return {
    detail: {
      tags: ["Pusher HTTP API"],
      summary,
      description,
      parameters: [...extraParams, ...SIGNED],
      ...(body ? { requestBody: { required: true, content: { "application/json": { schema: body } } } } : {}),
      responses,
    },
  } as any;
}

const raw = { parse: "none" as const };
const INFO = { name: "info", in: "query", required: false, schema: { type: "string" } };

export function pusherHttpApi(deps: ApiDeps) {
  return new Elysia({ name: "pusher-http-api" })
    .post("/apps/:appId/events", ({ request, params }) => respond(() => triggerEvents(deps, request, params.appId)), {
      ...raw,
      ...doc(
        "Trigger an event on up to 100 channels",
        "Answers {} or, with `info`, {\"channels\": {name: {user_count?, subscription_count?}}}. `#server-to-user-{id}` channels reach every connection signed in as that user.",
        TriggerBody,
      ),
    })
    .post("/apps/:appId/batch_events", ({ request, params }) => respond(() => triggerBatch(deps, request, params.appId)), {
      ...raw,
      ...doc(
        "Trigger up to 10 events, each on one channel",
        "Validated as a whole before anything is sent. Answers {} or, if any item has `info`, {\"batch\": [{…}, …]}.",
        Type.Object({ batch: Type.Array(TriggerBody, { maxItems: 10 }) }),
      ),
    })
    .get("/apps/:appId/channels", ({ request, params }) => respond(() => listChannels(deps, request, params.appId)), doc(
      "List occupied channels",
      "`filter_by_prefix` restricts the list; `info=user_count` needs filter_by_prefix=presence-; `info=subscription_count` needs the app's subscription counting on (400 otherwise). Answers {\"channels\": {name: {…}}}.",
      undefined,
      [{ name: "filter_by_prefix", in: "query", required: false, schema: { type: "string" } }, INFO],
    ))
    .get("/apps/:appId/channels/:channel", ({ request, params }) => respond(() => channelInfo(deps, request, params.appId, params.channel)), doc(
      "One channel's state",
      "Answers {\"occupied\": bool} plus the requested `info` attributes: user_count (presence), subscription_count (apps with subscription counting on; 400 otherwise), cache (cache channels: {event, data, ttl} or null).",
      undefined,
      [INFO],
    ))
    .get("/apps/:appId/channels/:channel/users", ({ request, params }) => respond(() => channelUsers(deps, request, params.appId, params.channel)), doc(
      "Users of a presence channel",
      "Answers {\"users\": [{\"id\": …}]}; 400 for channels that are not presence channels.",
    ))
    .post(
      "/apps/:appId/users/:userId/terminate_connections",
      ({ request, params }) => respond(() => terminateUser(deps, request, params.appId, params.userId)),
      { ...raw, ...doc("Disconnect a user", "Closes every connection signed in as the user (pusher:error 4009, then close 4009). Answers {}.", Type.Object({})) },
    )
    // pusher-http-python 3.3.3 leaves /apps/{app_id} out of this one path; the signed auth_key names the app.
    .post("/users/:userId/terminate_connections", ({ request, params }) => respond(() => terminateUserByKey(deps, request, params.userId)), {
      ...raw,
      ...doc("Disconnect a user (path without the app id)", "As above, for SDKs that omit /apps/{app_id}: the app is the one owning auth_key. Answers {}.", Type.Object({})),
    });
}
