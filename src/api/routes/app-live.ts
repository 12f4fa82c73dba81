/** Live state, usage, and publishing a test event through the same path as the Pusher HTTP API. */
import { Type } from "@sinclair/typebox";
import type { Elysia } from "elysia";
import { ServiceError } from "../../errors";
import { HttpError, QuotaExceededError } from "../../protocol/errors";
import { checkTrigger } from "../../http-api/trigger";
import { callerOf, ownedApp, pageOf, type ApiServices } from "../context";

const tags = (summary: string) => ({ detail: { tags: ["Live"], summary } });
const PERIODS = ["hour", "day", "month"] as const;

export const appLiveRoutes = (s: ApiServices) => (app: Elysia<any, any, any, any, any, any, any>) =>
  app
    .get("/apps/:id/live", async ({ request, params, query }) => {
      const target = ownedApp(s, callerOf(s, request), params.id);
      const page = pageOf(query);
      const live = await s.engine.live.snapshot(target.id, query.prefix ?? "", page);
      const channels = live.channels.map((c) => ({ name: c.name, subscriptionCount: c.subscriptionCount, members: c.members }));
      return { connections: live.connections, users: live.users, channels: { items: channels, total: live.total, ...page } };
    }, tags("Connections now, and occupied channels with subscription counts and presence members (paginated)"))
    .get("/apps/:id/usage", ({ request, params, query }) => {
      const target = ownedApp(s, callerOf(s, request), params.id);
      const period = (query.period ?? "hour") as (typeof PERIODS)[number];
      if (!PERIODS.includes(period)) throw new ServiceError("invalid", "period must be hour, day or month");
      if (s.usage === undefined) throw new ServiceError("not_found", "Usage is not recorded on this server");
      return { today: s.usage.today([target.id]), ...(s.usage.series(target.id, period) as object) };
    }, tags("Connections and messages per minute (hour), hour (day) or day (month)"))
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
    }, {
      body: Type.Object({
        name: Type.String(),
        data: Type.String(),
        channel: Type.Optional(Type.String()),
        channels: Type.Optional(Type.Array(Type.String())),
      }),
      ...tags("Publish an event (the dashboard's event creator), through the same publish path as the HTTP API"),
    });
