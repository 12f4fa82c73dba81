/**
 * The management API's request and response models, declared once. `managementApi` registers them
 * with Elysia's `.model()`, routes name them ("App", "Error"), and the OpenAPI document lists them
 * under components.schemas and references them from every operation. The shapes come from the
 * services' own TypeBox schemas (STYLE.md principle 5); they are cloned here because `.model()`
 * stamps an `$id` on what it registers.
 */
import { CloneType, Type, type TSchema } from "@sinclair/typebox";
import { Account, AccountPatch, ApiToken, NewAccount, Plan, PlanInput, PlanPatch } from "../accounts/schemas";
import { App as EngineApp, AppKey, AppSettingsInput, CreateAppInput } from "../apps/schema";
import { UsageSeries, UsageToday } from "../metrics/usage-schema";
import { DeliveryLogEntry, EndpointInput, EndpointPatch, WebhookEndpoint } from "../webhooks/schema";

const clone = <T extends TSchema>(schema: T, options: Record<string, unknown> = {}): T => CloneType(schema, options);

const paginated = (item: TSchema, description: string) =>
  Type.Object(
    {
      items: Type.Array(item),
      total: Type.Integer({ minimum: 0, description: "Items in the whole list" }),
      limit: Type.Integer({ minimum: 1, maximum: 500 }),
      offset: Type.Integer({ minimum: 0 }),
    },
    { description },
  );

const ErrorEnvelope = Type.Object(
  {
    error: Type.Object({
      code: Type.Union(["invalid", "unauthorized", "forbidden", "not_found", "conflict", "internal"].map((c) => Type.Literal(c)), {
        description: "invalid 400, unauthorized 401, forbidden 403, not_found 404, conflict 409, internal 500",
      }),
      message: Type.String({ description: "One sentence for a person" }),
    }),
  },
  { description: "The error envelope of every /api/v1 error", examples: [{ error: { code: "not_found", message: "No app '1234567'" } }] },
);

/** An app as the API shows it: key pairs without their secrets (those only through /apps/{id}/keys). */
const App = Type.Composite([Type.Omit(EngineApp, ["secret", "keys"]), Type.Object({ keys: Type.Array(Type.Omit(AppKey, ["secret"])) })], {
  description: "An app without its secrets",
});
const AppListItem = Type.Composite([App, Type.Object({ connections: Type.Integer({ minimum: 0, description: "Open connections now" }) })]);

const Login = Type.Object(
  { email: Type.String({ maxLength: 254 }), password: Type.String({ maxLength: 200 }) },
  { examples: [{ email: "admin@example.com", password: "correct horse battery" }] },
);
const Signup = Type.Object(
  {
    email: Type.String({ maxLength: 254 }),
    name: Type.Optional(Type.String({ maxLength: 100 })),
    password: Type.String({ minLength: 10, maxLength: 200, description: "At least 10 characters" }),
  },
  // Closed: sign-up must not pass isAdmin or planId on to the account service.
  { additionalProperties: false, examples: [{ email: "ada@example.com", name: "Ada", password: "correct horse battery" }] },
);
const Setup = Type.Composite([Signup, Type.Object({ token: Type.String({ description: "The token of the setup link the server printed" }) })], {
  additionalProperties: false,
  examples: [{ token: "setup-token-from-the-log", email: "admin@example.com", password: "correct horse battery" }],
});

export const MODELS = {
  Error: ErrorEnvelope,
  Empty: Type.Object({}, { description: "Done; nothing else to say", examples: [{}] }),

  // Session and account
  Login,
  Signup,
  Setup,
  SignedIn: Type.Object(
    { account: clone(Account), csrfToken: Type.String({ description: "Send as X-CSRF-Token on cookie-authenticated changes" }) },
    { description: "The new session; the session cookie is set too" },
  ),
  Me: Type.Object({
    account: clone(Account),
    plan: clone(Plan),
    csrfToken: Type.Union([Type.String(), Type.Null()], { description: "The session's CSRF token; null for Bearer callers" }),
    usage: Type.Object({
      apps: Type.Integer({ minimum: 0 }),
      connections: Type.Integer({ minimum: 0, description: "Open connections across the account's apps" }),
      messagesToday: Type.Integer({ minimum: 0, description: "Messages delivered since 00:00 UTC" }),
    }),
  }),
  ApiToken: clone(ApiToken, { description: "A personal API token, never its value" }),
  TokenList: Type.Object({ items: Type.Array(clone(ApiToken)) }),
  NewToken: Type.Object({ name: Type.String({ minLength: 1, maxLength: 100, description: "What the token is for" }) }, { examples: [{ name: "deploy script" }] }),
  CreatedToken: Type.Composite([ApiToken, Type.Object({ token: Type.String({ description: "Send as Authorization: Bearer <token>; shown only in this response" }) })]),

  // Admin and plans
  Account: clone(Account),
  AccountPage: paginated(clone(Account), "A page of accounts"),
  NewAccount: clone(NewAccount, { examples: [{ email: "dev@example.com", name: "Dev", password: "correct horse battery", planId: "free" }] }),
  AccountPatch: clone(AccountPatch, { examples: [{ planId: "free" }] }),
  Plan: clone(Plan),
  PlanList: Type.Object({ items: Type.Array(clone(Plan)) }),
  PlanInput: clone(PlanInput, { examples: [{ id: "team", name: "Team", maxApps: 10, maxConnections: 1000, maxMessagesPerDay: 1000000 }] }),
  PlanPatch: clone(PlanPatch, { examples: [{ maxConnections: 2000 }] }),
  Settings: Type.Object({ signupOpen: Type.Boolean({ description: "Anyone may create an account at /dashboard/signup" }) }),
  SettingsPatch: Type.Object({ signupOpen: Type.Optional(Type.Boolean()) }, { examples: [{ signupOpen: true }] }),

  // Apps and keys
  App,
  AppPage: paginated(AppListItem, "A page of apps with their connection counts"),
  AppWithSecrets: clone(EngineApp, { description: "An app with its key pairs and secrets" }),
  CreateApp: clone(CreateAppInput, { examples: [{ name: "Chat", clientEvents: true }] }),
  AppSettings: clone(AppSettingsInput, { examples: [{ name: "Chat (production)", enabled: true, limits: { maxConnections: 500 } }] }),
  KeyPair: clone(AppKey),
  KeyList: Type.Object({ items: Type.Array(clone(AppKey)) }),

  // Live state, usage and test events
  Live: Type.Object({
    connections: Type.Integer({ minimum: 0 }),
    users: Type.Integer({ minimum: 0, description: "Distinct signed-in users" }),
    channels: paginated(
      Type.Object({
        name: Type.String(),
        subscriptionCount: Type.Integer({ minimum: 0 }),
        members: Type.Optional(Type.Array(Type.Object({ id: Type.String(), info: Type.Unknown() }), { description: "Presence channels only" })),
      }),
      "Occupied channels, by name",
    ),
  }),
  Usage: Type.Composite([UsageSeries, Type.Object({ today: clone(UsageToday) })]),
  PublishEvent: Type.Object(
    {
      name: Type.String({ description: "Event name" }),
      data: Type.String({ description: "Event data as a string (JSON-encode objects)" }),
      channel: Type.Optional(Type.String({ description: "One channel; or use `channels`" })),
      channels: Type.Optional(Type.Array(Type.String(), { description: "Up to 100 channels" })),
    },
    { examples: [{ name: "greeting", data: '{"text":"hello"}', channel: "my-channel" }] },
  ),

  // Webhooks
  WebhookEndpoint: clone(WebhookEndpoint),
  WebhookList: Type.Object({ items: Type.Array(clone(WebhookEndpoint)) }),
  NewWebhook: clone(EndpointInput, { examples: [{ url: "https://example.com/pusher/webhooks", events: ["channel_occupied", "channel_vacated"] }] }),
  WebhookPatch: clone(EndpointPatch, { examples: [{ enabled: false }] }),
  DeliveryLogEntry: clone(DeliveryLogEntry),
  DeliveryLogPage: paginated(clone(DeliveryLogEntry), "Delivery attempts, newest first"),
  Redelivered: Type.Object({ endpointId: Type.String(), queued: Type.Integer({ minimum: 0, description: "Events queued again" }) }),
};

export type ModelName = keyof typeof MODELS;
