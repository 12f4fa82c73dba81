/**
 * One clear line for the first schema violation of an input. Length limits read as a sentence about
 * the field ("Password must be at least 10 characters"); other violations name the field and
 * TypeBox's message ("Invalid account: planId: Expected string").
 */
// The string formats (date-time, email…) schema checks rely on, registered as Elysia registers them.
import "elysia/type-system/format";
import type { TSchema } from "@sinclair/typebox";
import { Value, ValueErrorType, type ValueError } from "@sinclair/typebox/value";
import { ServiceError } from "../errors";

/** The field a violation is about, as dotted path ("limits.maxConnections"), or "" for the whole input. */
export function fieldOf(error: Pick<ValueError, "path">): string {
  return error.path.replace(/^\//, "").replaceAll("/", ".");
}

/** A human sentence for the violations people make by hand; undefined for the rest. */
export function humanMessage(error: Pick<ValueError, "path" | "type" | "schema">): string | undefined {
  const field = fieldOf(error).split(".").pop() ?? "";
  if (field === "") return undefined;
  const label = field.charAt(0).toUpperCase() + field.slice(1);
  const schema = error.schema as { minLength?: number; maxLength?: number };
  if (error.type === ValueErrorType.StringMinLength && schema.minLength === 1) return `${label} must not be empty`;
  if (error.type === ValueErrorType.StringMinLength) return `${label} must be at least ${schema.minLength} characters`;
  if (error.type === ValueErrorType.StringMaxLength) return `${label} must be at most ${schema.maxLength} characters`;
  return undefined;
}

export function check(schema: TSchema, value: unknown, what: string): void {
  const first = Value.Errors(schema, value).First();
  if (first === undefined) return;
  const human = humanMessage(first);
  if (human !== undefined) throw new ServiceError("invalid", human);
  throw new ServiceError("invalid", `Invalid ${what}: ${fieldOf(first) || "body"}: ${first.message}`);
}
