/**
 * How each management API route describes itself to OpenAPI: who may call it (the security schemes
 * declared in src/docs/openapi.ts), its success response and the error statuses it can answer, each
 * naming a model of ./models. Elysia validates the success body against the same model, so the
 * documented shape cannot drift from what the route returns.
 */
import { Type, type TProperties, type TSchema } from "@sinclair/typebox";
import type { ModelName } from "./models";

/** public: no caller needed; read: a caller; change: a caller, and the CSRF token for cookie sessions. */
export type Access = "public" | "read" | "change";

const SECURITY: Record<Access, Array<Record<string, string[]>>> = {
  public: [],
  read: [{ bearer: [] }, { session: [] }],
  change: [{ bearer: [] }, { session: [], csrf: [] }],
};

/** Statuses every route of an access level can answer: no caller (401), CSRF refused (403). */
const IMPLIED: Record<Access, number[]> = { public: [], read: [401], change: [401, 403] };

export interface OperationDoc {
  tag: string;
  summary: string;
  description?: string;
  access: Access;
  /** The success status and its model, e.g. [200, "App"]. */
  ok: [number, ModelName];
  /** Further error statuses, e.g. [400, 404]; 401 and the CSRF 403 are added from `access`. */
  errors?: number[];
  body?: ModelName | TSchema;
  query?: TSchema;
}

export function operation(doc: OperationDoc) {
  const response: Record<number, string> = { [doc.ok[0]]: doc.ok[1] };
  for (const status of new Set([...(doc.errors ?? []), ...IMPLIED[doc.access]])) response[status] = "Error";
  return {
    ...(doc.body === undefined ? {} : { body: doc.body }),
    ...(doc.query === undefined ? {} : { query: doc.query }),
    response,
    detail: { tags: [doc.tag], summary: doc.summary, ...(doc.description ? { description: doc.description } : {}), security: SECURITY[doc.access] },
  } as any;
}

const numeric = (description: string, example: string) => Type.Optional(Type.String({ description, examples: [example] }));

/**
 * `limit` and `offset` of every list. Strings, as they arrive: pageOf() checks them and answers one
 * clear sentence instead of a schema message.
 */
export const PAGE = { limit: numeric("Items per page, 1–500; default 50", "50"), offset: numeric("Items to skip; default 0", "0") };
/**
 * A documented query. Other parameters stay allowed and ignored, as before queries were declared
 * (clients add cache-busters such as `_=1700000000`).
 */
export const queryParams = (properties: TProperties) => Type.Object(properties, { additionalProperties: true });
export const PageQuery = queryParams(PAGE);
