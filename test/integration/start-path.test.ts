/**
 * A node that serves only sockets and signed triggers never loads TypeBox (~3.5 MB) or Elysia (~8 MB):
 * the app, account and webhook schemas load on the first write, the HTTP app on the first request that
 * needs it (docs/architecture.md, "What a server loads at start"). test/unit/layers.test.ts checks the
 * static imports; this runs a real server, whose dynamic imports at start that walk cannot see.
 */
import { afterAll, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BUN, MAIN } from "../support/server";

const dir = mkdtempSync(join(tmpdir(), "mawjly-start-path-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function run(argv: string[]) {
  const result = Bun.spawnSync([BUN, ...argv], { stdout: "pipe", stderr: "pipe", env: { ...process.env, MAWJLY_DEMO: "0" } });
  return { code: result.exitCode, stdout: result.stdout.toString(), stderr: result.stderr.toString() };
}

test("a server that served a socket, a signed trigger, /health and /metrics loaded neither TypeBox nor Elysia", () => {
  expect(run([MAIN, "migrate", "--data-dir", dir]).code).toBe(0);
  const created = run([MAIN, "apps", "create", "--name", "start-path", "--json", "--data-dir", dir]);
  expect(created.stderr).toBe("");
  const app = JSON.parse(created.stdout) as { id: string; key: string; secret: string };
  const child = run([join(import.meta.dir, "..", "support", "loaded-modules.ts"), dir, app.key, app.secret, app.id]);
  expect(child.stderr).toBe("");
  expect(child.code).toBe(0);
  expect(JSON.parse(child.stdout.trim().split("\n").pop()!)).toEqual([]);
});
