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
    throw new UsageError(`${command}: ${essential((err as Error).message)} (see 'mawjly ${command} --help')`);
  }
}

/**
 * node:util's messages run over several sentences and lines and mention internals: the first
 * sentence, except for a flag followed by something that starts with a dash (`--name --data-dir D`,
 * `--max-connections -1`), which node calls "ambiguous" and explains over three lines.
 */
function essential(message: string): string {
  const ambiguous = /^Option '(-[^']*)' argument is ambiguous/.exec(message);
  if (ambiguous) {
    const flag = ambiguous[1]!.split(" ")[0]!;
    return `option '${flag}' needs a value (one that starts with a dash is written ${flag}=-VALUE)`;
  }
  return message.split(/\.\s/)[0]!.replace(/^Unknown option/, "unknown option");
}

/**
 * A command group's subcommand and the arguments after it, or undefined when help was asked for.
 * Checked before any store opens: `apps --data-dir D list` or `apps frob` is a usage line, not an
 * error about a database the user never named.
 */
export function subcommand(argv: readonly string[], group: string, known: readonly string[]): { sub: string; rest: string[] } | undefined {
  const [sub, ...rest] = argv;
  if (sub === undefined || sub === "help" || sub === "--help" || sub === "-h") return undefined;
  const choices = `use ${known.slice(0, -1).join(", ")} or ${known.at(-1)}`;
  if (sub.startsWith("-")) throw new UsageError(`${group}: the subcommand comes first, then options: mawjly ${group} SUBCOMMAND ${sub} … (${choices})`);
  if (!known.includes(sub)) throw new UsageError(`${group}: unknown subcommand '${sub}' (${choices})`);
  return { sub, rest };
}

/** A whole number flag, or a usage error naming the flag. */
export function integerFlag(name: string, value: unknown): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== "string" || !/^\d+$/.test(value)) {
    throw new UsageError(`--${name}: '${String(value)}' is not a whole number`);
  }
  return Number(value);
}
