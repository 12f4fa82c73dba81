/**
 * Argument parsing for every command: strict (unknown flags are errors), one clear line on a mistake,
 * exit code 2 for usage errors as is customary for CLIs.
 */
import { parseArgs, type ParseArgsConfig } from "node:util";

export class UsageError extends Error {
  override name = "UsageError";
}

export type Options = NonNullable<ParseArgsConfig["options"]>;

export const COMMON: Options = {
  "data-dir": { type: "string" },
  // Every command reaches the same store as the server: PostgreSQL when given (or MAWJLY_DATABASE_URL).
  "database-url": { type: "string" },
  help: { type: "boolean", short: "h" },
};

export function parse(argv: string[], options: Options, command: string) {
  try {
    return parseArgs({ args: argv, options: { ...COMMON, ...options }, strict: true, allowPositionals: true });
  } catch (err) {
    // node:util's messages are long and mention internals; keep the essential part.
    const message = (err as Error).message.split(". ")[0]!.replace(/^Unknown option/, "unknown option");
    throw new UsageError(`${command}: ${message} (see 'mawjly ${command} --help')`);
  }
}

/** A whole number flag, or a usage error naming the flag. */
export function integerFlag(name: string, value: unknown): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== "string" || !/^\d+$/.test(value)) {
    throw new UsageError(`--${name}: '${String(value)}' is not a whole number`);
  }
  return Number(value);
}
