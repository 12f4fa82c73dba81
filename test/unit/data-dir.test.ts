/** The data-directory rule and the env-file reader (src/config/data-dir.ts), without processes. */
import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { dataDirHint, envFileCandidates, readEnvFile, resolveDataDir } from "../../src/config/data-dir";

const dir = mkdtempSync(join(tmpdir(), "mawjly-unit-datadir-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const file = (name: string, text: string) => {
  writeFileSync(join(dir, name), text);
  return join(dir, name);
};

describe("resolveDataDir", () => {
  const user = file("user.env", "MAWJLY_DATA_DIR=/home/u/.local/share/mawjly\n");
  const system = file("system.env", "MAWJLY_HOST=0.0.0.0\nMAWJLY_PORT=6001\nMAWJLY_DATA_DIR=/var/lib/mawjly\n");

  test("flag > variable > user env file > system env file > ./data", () => {
    expect(resolveDataDir("x", { MAWJLY_DATA_DIR: "/env" }, [user, system])).toEqual({ dir: resolve("x"), source: "--data-dir", isDefault: false });
    expect(resolveDataDir(undefined, { MAWJLY_DATA_DIR: "/env" }, [user, system])).toEqual({ dir: "/env", source: "MAWJLY_DATA_DIR", isDefault: false });
    expect(resolveDataDir(undefined, {}, [user, system]).source).toBe(`MAWJLY_DATA_DIR in ${user}`);
    expect(resolveDataDir(undefined, {}, [join(dir, "absent.env"), system])).toEqual({
      dir: "/var/lib/mawjly",
      source: `MAWJLY_DATA_DIR in ${system}`,
      isDefault: false,
    });
    expect(resolveDataDir(undefined, { MAWJLY_DATA_DIR: "" }, [join(dir, "absent.env")])).toEqual({
      dir: resolve("data"),
      source: "default",
      isDefault: true,
    });
  });

  test("an env file without MAWJLY_DATA_DIR is passed over", () => {
    const other = file("other.env", "MAWJLY_PORT=7000\n");
    expect(resolveDataDir(undefined, {}, [other, system]).dir).toBe("/var/lib/mawjly");
  });

  test("candidates: XDG_CONFIG_HOME or ~/.config first, then /etc (where install.sh writes them)", () => {
    expect(envFileCandidates({ HOME: "/home/u" })).toEqual(["/home/u/.config/mawjly/mawjly.env", "/etc/mawjly/mawjly.env"]);
    expect(envFileCandidates({ HOME: "/home/u", XDG_CONFIG_HOME: "/cfg" })).toEqual(["/cfg/mawjly/mawjly.env", "/etc/mawjly/mawjly.env"]);
  });

  test("reads the env file exactly as install.sh writes it", () => {
    const installer = readFileSync(join(import.meta.dir, "../../install.sh"), "utf8");
    const body = /cat >"\$CONF_DIR\/mawjly.env" <<'EOF'\n([\s\S]*?)\nEOF/.exec(installer)![1]!;
    expect(readEnvFile(file("from-installer.env", body))?.MAWJLY_DATA_DIR).toBe("/var/lib/mawjly");
  });
});

test("readEnvFile: comments, export, quotes and spaces", () => {
  const parsed = readEnvFile(file("x.env", '# comment\nexport A=1\nB = "two words"\nC=\'/p q\'\n  D=/d  \nnot a line\n'));
  expect(parsed).toEqual({ A: "1", B: "two words", C: "/p q", D: "/d" });
  expect(readEnvFile(join(dir, "missing.env"))).toBeUndefined();
});

test("dataDirHint: nothing for the default, a shell-safe --data-dir otherwise", () => {
  expect(dataDirHint({ dir: "/x/data", source: "default", isDefault: true })).toBe("");
  expect(dataDirHint({ dir: "/var/lib/mawjly", source: "MAWJLY_DATA_DIR", isDefault: false })).toBe(" --data-dir /var/lib/mawjly");
  expect(dataDirHint({ dir: "/my data/it's", source: "--data-dir", isDefault: false })).toBe(` --data-dir '/my data/it'\\''s'`);
});

test("settings come from src/config: no process.env reads in the CLI entry, the CLI or the session routes", () => {
  for (const path of ["src/main.ts", "src/cli/args.ts", "src/cli/serve.ts", "src/cli/apps.ts", "src/cli/accounts.ts", "src/cli/store.ts", "src/cli/tokens.ts", "src/api/routes/session.ts"]) {
    expect({ path, reads: /process\.env/.test(readFileSync(join(import.meta.dir, "../..", path), "utf8")) }).toEqual({ path, reads: false });
  }
});

test("MAWJLY_TRUST_PROXY and MAWJLY_DEBUG are read through src/config", async () => {
  const { debugEnabled, loadConfig } = await import("../../src/config/config");
  expect(loadConfig({}, {}).trustProxy).toBe(false);
  expect(loadConfig({}, { MAWJLY_TRUST_PROXY: "1" }).trustProxy).toBe(true);
  expect(debugEnabled({})).toBe(false);
  expect(debugEnabled({ MAWJLY_DEBUG: "1" })).toBe(true);
});
