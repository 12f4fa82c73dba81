/**
 * The TypeBox schemas of an app and of the settings input the CLI, the management API and the
 * dashboard send: validation (AppService), the API's models and its OpenAPI document. Built from the
 * settings tables of src/engine/app.ts, their single source. This module, and TypeBox with it, loads
 * on the first write or the first request to the HTTP app, never at start (engine/app.ts says why).
 */
// The string formats (date-time) the App schema's check relies on, registered as Elysia registers them.
import "elysia/type-system/format";
import { Type, type Static, type TBoolean, type TInteger, type TObject } from "@sinclair/typebox";
import { Value } from "@sinclair/typebox/value";
import {
  LIMIT_NAMES,
  LIMITS,
  TOGGLE_NAMES,
  TOGGLES,
  type App as EngineApp,
  type AppKey as EngineAppKey,
  type LimitName,
  type ToggleName,
} from "../engine/app";

export const AppLimits = Type.Object(Object.fromEntries(LIMIT_NAMES.map((name) => [name, Type.Integer(LIMITS[name])]))) as unknown as TObject<{
  [K in LimitName]: TInteger;
}>;

export const AppToggles = Type.Object(Object.fromEntries(TOGGLE_NAMES.map((name) => [name, Type.Boolean(TOGGLES[name])]))) as unknown as TObject<{
  [K in ToggleName]: TBoolean;
}>;

export const AppKey = Type.Object({
  key: Type.String({ minLength: 1, maxLength: 128 }),
  secret: Type.String({ minLength: 1, maxLength: 128 }),
  createdAt: Type.String({ format: "date-time" }),
});

export const App = Type.Object({
  id: Type.String({ pattern: "^[A-Za-z0-9_-]{1,64}$", description: "App id, e.g. 6855671" }),
  key: Type.String({ minLength: 1, maxLength: 128, description: "The primary (oldest active) key" }),
  secret: Type.String({ minLength: 1, maxLength: 128, description: "The primary key's secret" }),
  keys: Type.Array(AppKey, { description: "Active key pairs, oldest first; any of them may connect and sign" }),
  accountId: Type.Union([Type.String(), Type.Null()], { description: "Owning account; null for operator apps" }),
  name: Type.String({ minLength: 1, maxLength: 200 }),
  cluster: Type.String({ minLength: 1, maxLength: 64 }),
  ...AppToggles.properties,
  limits: AppLimits,
  createdAt: Type.String({ format: "date-time" }),
  updatedAt: Type.String({ format: "date-time" }),
});

// The engine's types and these schemas describe the same values: a field that one has and the other
// lacks (optional ones too), or that differs in type, optionality or readonly, fails the type check
// (npm run typecheck, in .ci/run). Identical types, not only assignable both ways.
type Flat<T> = { [K in keyof T]: T[K] };
type Same<A, B> = (<T>() => T extends Flat<A> ? 1 : 2) extends <T>() => T extends Flat<B> ? 1 : 2 ? true : false;
export const SCHEMAS_MATCH_ENGINE: [Same<Static<typeof App>, EngineApp>, Same<Static<typeof AppKey>, EngineAppKey>] = [true, true];

/**
 * Limits as input: any whole numbers here, so that a value out of range reaches AppService, which
 * answers it with one message naming the setting and its range, the same for the API, CLI and dashboard.
 */
const LimitsInput = Type.Unsafe<Partial<Static<typeof AppLimits>>>(
  Type.Partial(
    Type.Object(
      Object.fromEntries(
        LIMIT_NAMES.map((name) => {
          const { minimum, maximum, description } = LIMITS[name] as { minimum: number; maximum: number; description?: string };
          return [name, Type.Integer({ description: `${description === undefined ? "" : `${description}. `}${minimum}–${maximum}` })];
        }),
      ),
    ),
  ),
);

/**
 * Toggles as input: the same names and descriptions as the App schema but no `default`, so that
 * a PATCH leaves out what it does not change instead of having it filled in.
 */
const TogglesInput = Type.Object(
  Object.fromEntries(TOGGLE_NAMES.map((name) => [name, Type.Boolean({ description: TOGGLES[name].description })])),
) as unknown as TObject<{ [K in ToggleName]: TBoolean }>;

export const AppSettingsInput = Type.Partial(
  Type.Composite([
    Type.Object({
      name: Type.String({ minLength: 1, maxLength: 200 }),
      cluster: Type.String({ pattern: "^[A-Za-z0-9_-]{1,64}$" }),
      key: Type.String(),
      secret: Type.String(),
    }),
    TogglesInput,
    Type.Object({ limits: LimitsInput }),
  ]),
  { additionalProperties: false },
);
export type AppSettingsInput = Static<typeof AppSettingsInput>;

export const CreateAppInput = Type.Composite([
  Type.Object({ name: Type.String({ minLength: 1, maxLength: 200 }), id: Type.Optional(Type.String()) }),
  Type.Omit(AppSettingsInput, ["name"]),
]);
export type CreateAppInput = Static<typeof CreateAppInput>;

/** Only known limits, for the shape check of a limits input. */
export const PartialLimits = Type.Partial(AppLimits, { additionalProperties: false });

/** The first schema violation as "path: message", for one clear line. */
export function firstError(schema: Parameters<typeof Value.Errors>[0], value: unknown): string | null {
  const first = Value.Errors(schema, value).First();
  if (first === undefined) return null;
  const path = first.path.replace(/^\//, "").replaceAll("/", ".") || "value";
  return `${path}: ${first.message}`;
}
