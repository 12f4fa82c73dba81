/**
 * Accounts, plans and tokens as the services and the management API see them. The TypeBox schemas
 * are validation, TypeScript type and OpenAPI at once (STYLE.md principle 5).
 */
import { Type, type Static } from "@sinclair/typebox";

export const Plan = Type.Object({
  id: Type.String({ pattern: "^[a-z0-9-]{1,40}$", description: "Slug, e.g. free" }),
  name: Type.String({ minLength: 1, maxLength: 100 }),
  maxApps: Type.Integer({ minimum: 0, description: "0 = unlimited" }),
  maxConnections: Type.Integer({ minimum: 0, description: "Concurrent connections, account-wide; 0 = unlimited" }),
  maxAppConnections: Type.Integer({ minimum: 0, description: "Optional cap per app; 0 = none" }),
  maxMessagesPerDay: Type.Integer({ minimum: 0, description: "Delivered messages per UTC day; 0 = unlimited" }),
  createdAt: Type.String({ format: "date-time" }),
});
export type Plan = Static<typeof Plan>;

export const PlanInput = Type.Object(
  {
    id: Type.String({ pattern: "^[a-z0-9-]{1,40}$" }),
    name: Type.String({ minLength: 1, maxLength: 100 }),
    maxApps: Type.Integer({ minimum: 0 }),
    maxConnections: Type.Integer({ minimum: 0 }),
    maxAppConnections: Type.Optional(Type.Integer({ minimum: 0 })),
    maxMessagesPerDay: Type.Integer({ minimum: 0 }),
  },
  { additionalProperties: false },
);
export type PlanInput = Static<typeof PlanInput>;
export const PlanPatch = Type.Partial(Type.Omit(PlanInput, ["id"]), { additionalProperties: false });
export type PlanPatch = Static<typeof PlanPatch>;

/** An account as shown to its owner and to admins: never the password hash. */
export const Account = Type.Object({
  id: Type.String(),
  email: Type.String({ format: "email" }),
  name: Type.String(),
  isAdmin: Type.Boolean(),
  planId: Type.String(),
  createdAt: Type.String({ format: "date-time" }),
});
export type Account = Static<typeof Account>;

export const NewAccount = Type.Object(
  {
    email: Type.String({ minLength: 3, maxLength: 254 }),
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
    password: Type.String({ minLength: 10, maxLength: 200, description: "At least 10 characters" }),
    isAdmin: Type.Optional(Type.Boolean()),
    planId: Type.Optional(Type.String()),
  },
  { additionalProperties: false },
);
export type NewAccount = Static<typeof NewAccount>;

export const AccountPatch = Type.Partial(
  Type.Object({
    name: Type.String({ minLength: 1, maxLength: 100 }),
    isAdmin: Type.Boolean(),
    planId: Type.String(),
    password: Type.String({ minLength: 10, maxLength: 200 }),
  }),
  { additionalProperties: false },
);
export type AccountPatch = Static<typeof AccountPatch>;

export const ApiToken = Type.Object({
  id: Type.String(),
  name: Type.String(),
  createdAt: Type.String({ format: "date-time" }),
  lastUsedAt: Type.Union([Type.String({ format: "date-time" }), Type.Null()]),
  revokedAt: Type.Union([Type.String({ format: "date-time" }), Type.Null()]),
});
export type ApiToken = Static<typeof ApiToken>;
