/**
 * Where the data directory is, decided by ONE rule for every command (serve and the management
 * commands alike), so a command typed in any directory finds the server's database:
 *
 *   --data-dir flag  >  MAWJLY_DATA_DIR  >  MAWJLY_DATA_DIR in the environment file install.sh wrote
 *   >  ./data (relative to the current directory)
 *
 * install.sh writes the environment file to ~/.config/mawjly/mawjly.env (per-user install, honouring
 * XDG_CONFIG_HOME) or /etc/mawjly/mawjly.env (system service); the user's file is looked at first.
 */
import { readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join, resolve } from "node:path";

export const DEFAULT_DATA_DIR = "./data";
const VARIABLE = "MAWJLY_DATA_DIR";

export interface DataDirChoice {
  /** Absolute path. */
  dir: string;
  /** Which rule picked it, for messages: "--data-dir", "MAWJLY_DATA_DIR", the env file's path, or "default". */
  source: string;
  /** True when no flag, variable or env file named it (./data in the current directory). */
  isDefault: boolean;
}

export class DataDirError extends Error {
  override name = "DataDirError";
}

type Env = Record<string, string | undefined>;

/** The environment files install.sh may have written, most specific first. */
export function envFileCandidates(env: Env = process.env): string[] {
  const configHome = env.XDG_CONFIG_HOME || join(env.HOME || homedir(), ".config");
  return [join(configHome, "mawjly", "mawjly.env"), "/etc/mawjly/mawjly.env"];
}

export function resolveDataDir(flag: string | undefined, env: Env = process.env, candidates = envFileCandidates(env)): DataDirChoice {
  if (flag !== undefined && flag !== "") return { dir: resolve(flag), source: "--data-dir", isDefault: false };
  const variable = env[VARIABLE];
  if (variable !== undefined && variable !== "") return { dir: resolve(variable), source: VARIABLE, isDefault: false };
  for (const file of candidates) {
    const value = readEnvFile(file)?.[VARIABLE];
    if (value !== undefined && value !== "") return { dir: resolve(value), source: `${VARIABLE} in ${file}`, isDefault: false };
  }
  return { dir: resolve(DEFAULT_DATA_DIR), source: "default", isDefault: true };
}

/** How the choice was made, for error messages: "from --data-dir", "the default ./data in /home/x". */
export function describeChoice(choice: DataDirChoice): string {
  return choice.isDefault ? `the default ${DEFAULT_DATA_DIR} in the current directory` : `from ${choice.source}`;
}

/**
 * The systemd EnvironmentFile format as install.sh writes it: KEY=VALUE lines, # comments, values
 * optionally in quotes. A missing file is undefined; an unreadable one is an error, because silently
 * falling back to ./data is exactly the mistake this rule exists to prevent.
 */
export function readEnvFile(file: string): Record<string, string> | undefined {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code === "ENOENT" || code === "ENOTDIR") return undefined;
    throw new DataDirError(
      `cannot read ${file} (${code ?? (err as Error).message}) to find the data directory; run as its owner (e.g. with sudo) or pass --data-dir DIR`,
    );
  }
  const values: Record<string, string> = {};
  for (const line of text.split(/\r?\n/)) {
    const match = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*?)\s*$/.exec(line);
    if (match === null) continue;
    values[match[1]!] = match[2]!.replace(/^(["'])(.*)\1$/, "$2");
  }
  return values;
}

/** ` --data-dir DIR` for a command hint when the default would not find this directory, else "". */
export function dataDirHint(choice: DataDirChoice): string {
  if (choice.isDefault) return "";
  return ` --data-dir ${/^[\w@%+=:,./-]+$/.test(choice.dir) ? choice.dir : `'${choice.dir.replaceAll("'", `'\\''`)}'`}`;
}
