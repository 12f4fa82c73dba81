/** One clear line for the first schema violation of an input ("path: message"). */
import type { TSchema } from "@sinclair/typebox";
import { Value } from "@sinclair/typebox/value";
import { ServiceError } from "../errors";

export function check(schema: TSchema, value: unknown, what: string): void {
  const first = Value.Errors(schema, value).First();
  if (first === undefined) return;
  const path = first.path.replace(/^\//, "").replaceAll("/", ".") || "body";
  throw new ServiceError("invalid", `Invalid ${what}: ${path}: ${first.message}`);
}
