/**
 * A table of settings (type, default, limits, description, environment variable) and the checks
 * they need. The server validates its own settings here rather than with TypeBox so that a node
 * serving only sockets never loads TypeBox (~3.5 MB of RSS per process). The messages are TypeBox
 * 0.34's, word for word, so that they did not change when TypeBox left.
 */
interface Kinds {
  integer: number;
  string: string;
  boolean: boolean;
}

interface Limits {
  minimum?: number;
  maximum?: number;
  minLength?: number;
  description: string;
  env: string;
}

/** One setting: required with a default, or optional without one. */
export type Setting = {
  [K in keyof Kinds]: Limits & { type: K } & ({ default: Kinds[K]; optional?: never } | { optional: true; default?: never });
}[keyof Kinds];

type OptionalNames<T> = { [K in keyof T]: T[K] extends { optional: true } ? K : never }[keyof T];
type Flatten<T> = { [K in keyof T]: T[K] };

/** The value type of a table: `{ port: number; tlsCert?: string; … }`. */
export type Values<T extends Record<string, Setting>> = Flatten<
  { [K in Exclude<keyof T, OptionalNames<T>>]: Kinds[T[K]["type"]] } & { [K in OptionalNames<T>]?: Kinds[T[K]["type"]] }
>;

/** `values` with the default of every setting left undefined filled in. */
export function withDefaults<T extends Record<string, Setting>>(table: T, values: Record<string, unknown>): Values<T> {
  const result = { ...values };
  for (const [name, setting] of Object.entries(table)) {
    if (result[name] === undefined && setting.default !== undefined) result[name] = setting.default;
  }
  return result as Values<T>;
}

/**
 * The first setting, in table order, whose value breaks its rules, and why; undefined when all
 * hold. Unset optional settings are skipped.
 */
export function firstError<T extends Record<string, Setting>>(table: T, values: Record<string, unknown>): { name: keyof T & string; message: string } | undefined {
  for (const [name, setting] of Object.entries(table)) {
    if (values[name] === undefined && setting.optional) continue;
    const message = problem(setting, values[name]);
    if (message !== undefined) return { name, message };
  }
  return undefined;
}

function problem(setting: Setting, value: unknown): string | undefined {
  if (setting.type === "integer") {
    if (typeof value !== "number" || !Number.isInteger(value)) return "Expected integer";
    if (setting.maximum !== undefined && value > setting.maximum) return `Expected integer to be less or equal to ${setting.maximum}`;
    if (setting.minimum !== undefined && value < setting.minimum) return `Expected integer to be greater or equal to ${setting.minimum}`;
  } else if (setting.type === "string") {
    if (typeof value !== "string") return "Expected string";
    if (setting.minLength !== undefined && value.length < setting.minLength) return `Expected string length greater or equal to ${setting.minLength}`;
  } else if (typeof value !== "boolean") {
    return "Expected boolean";
  }
  return undefined;
}
