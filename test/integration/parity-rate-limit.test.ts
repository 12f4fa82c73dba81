/** The per-app HTTP API rate limit: 429 with a JSON error over it, changeable while the server runs. */
import { expect, test } from "bun:test";
import { serverSdk } from "../support/clients";
import { useServer } from "../support/server";
import { eventually } from "../support/wait";

const server = useServer();

test("requests over apiRequestsPerSecond get 429 with a JSON error", async () => {
  const app = server().createApp(["--api-requests-per-second", "3"]);
  const sdk = serverSdk(server(), app);
  const results = await Promise.allSettled(Array.from({ length: 5 }, () => sdk.trigger("c", "e", "x")));
  const refused = results.filter((r) => r.status === "rejected").map((r) => (r as PromiseRejectedResult).reason);
  expect(refused.length).toBe(2);
  expect(refused[0].status).toBe(429);
  expect(JSON.parse(refused[0].body)).toEqual({ error: "Too many requests: this app allows 3 HTTP API requests per second" });
});

test("unlimited by default, and the limit can be changed with apps update", async () => {
  const app = server().createApp();
  const sdk = serverSdk(server(), app);
  const burst = await Promise.allSettled(Array.from({ length: 30 }, () => sdk.trigger("c", "e", "x")));
  expect(burst.every((r) => r.status === "fulfilled")).toBe(true);
  expect(server().cli(["apps", "update", app.id, "--api-requests-per-second", "1"]).code).toBe(0);
  // The running server applies the CLI's change within a second; until then every request passes.
  // Once it applies, two requests at once share one window: one passes, the other gets 429.
  const limited = await eventually(
    () => Promise.allSettled([sdk.trigger("c", "e", "x"), sdk.trigger("c", "e", "x")]),
    (pair) => pair.some((r) => r.status === "fulfilled") && pair.some((r) => r.status === "rejected"),
    5000,
  );
  const refused = limited.find((r) => r.status === "rejected") as PromiseRejectedResult;
  expect(refused.reason.status).toBe(429);
  expect(JSON.parse(refused.reason.body)).toEqual({ error: "Too many requests: this app allows 1 HTTP API requests per second" });
});
