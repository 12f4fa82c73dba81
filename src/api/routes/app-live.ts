/** Live state, usage, and publishing a test event through the same path as the Pusher HTTP API. */
import { Type } from "@sinclair/typebox";
import type { Elysia } from "elysia";
import { ServiceError } from "../../errors";
import { HttpError, QuotaExceededError } from "../../protocol/errors";
import { checkTrigger } from "../../http-api/trigger";
import { callerOf, ownedApp, pageOf, type ApiServices } from "../context";
import { operation, PAGE, queryParams, type OperationDoc } from "../docs";

const doc = (d: Omit<OperationDoc, "tag">) => operation({ tag: "Live", ...d });
const PERIODS = ["hour", "day", "month"] as const;

export const appLiveRoutes = (s: ApiServices) => (app: Elysia<any, any, any, any, any, any, any>) =>
  app
    .get("/apps/:id/live", async ({ request, params, query }) => {
      const target = ownedApp(s, callerOf(s, request), params.id);
      const page = pageOf(query);
      const live = await s.engine.live.snapshot(target.id, query.prefix ?? "", page);
      const channels = live.channels.map((c) => ({ name: c.name, subscriptionCount: c.subscriptionCount, members: c.members }));
      return { connections: live.connections, users: live.users, channels: { items: channels, total: live.total, ...page } };
    }, doc({
      summary: "Connections now, and the occupied channels",
      description: "Channels with their subscription counts and, for presence channels, their members; paginated by name.",
      access: "read",
      query: queryParams({ prefix: Type.Optional(Type.String({ description: "Only channels whose name starts with this", examples: ["presence-"] })), ...PAGE }),
      ok: [200, "Live"],
      errors: [400, 404],
    }))
    .get("/apps/:id/usage", async ({ request, params, query }) => {
      const target = ownedApp(s, callerOf(s, request), params.id);
      const period = (query.period ?? "hour") as (typeof PERIODS)[number];
      if (!PERIODS.includes(period)) throw new ServiceError("invalid", "period must be hour, day or month");
      if (s.usage === undefined) throw new ServiceError("not_found", "Usage is not recorded on this server");
      return { today: await s.usage.today([target.id]), ...((await s.usage.series(target.id, period)) as object) };
    }, doc({
      summary: "Connections and messages over time",
      description: "Per minute for `hour`, per hour for `day`, per day for `month`, plus today's totals.",
      access: "read",
      query: queryParams({ period: Type.Optional(Type.String({ description: "hour (default), day or month", examples: ["hour"] })) }),
      ok: [200, "Usage"],
      errors: [400, 404],
    }))
    .post("/apps/:id/events", async ({ request, params, body }) => {
      const target = ownedApp(s, callerOf(s, request), params.id);
      if (!target.enabled) throw new ServiceError("forbidden", "App is disabled; enable it to publish events");
      try {
        const trigger = checkTrigger(target, body as Record<string, unknown>, false);
        await s.engine.publish(target, trigger);
        return {};
      } catch (err) {
        if (err instanceof HttpError) throw new ServiceError("invalid", err.message);
        if (err instanceof QuotaExceededError) throw new ServiceError("forbidden", err.message);
        throw err;
      }
    }, doc({
      summary: "Publish an event",
      description: "The dashboard's event creator: the same publish path as the Pusher HTTP API, without signing.",
      access: "change",
      body: "PublishEvent",
      ok: [200, "Empty"],
      errors: [400, 403, 404],
    }));
