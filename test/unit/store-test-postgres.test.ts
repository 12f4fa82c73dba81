/**
 * The test PostgreSQL (test/support/postgres.ts) never outlives its test process: stop() ends it and
 * removes its files, and when the process dies without cleaning up (SIGKILL), the janitor does it.
 */
import { expect, test } from "bun:test";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startPostgres } from "../support/postgres";
import { until } from "../support/wait";

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

test("stop() ends the postmaster and removes its directory; pause/resume keep the data", async () => {
  const pg = await startPostgres();
  const pid = pg.pid()!;
  const url = await pg.freshDatabase();
  const client = new Bun.SQL({ url, max: 1 });
  await client.unsafe("CREATE TABLE kept (x INT); INSERT INTO kept VALUES (1)").simple();
  await pg.pause();
  expect(pg.pid()).toBeUndefined();
  expect(alive(pid)).toBe(false);
  await pg.resume();
  expect(await client.unsafe("SELECT x FROM kept")).toEqual([{ x: 1 }]);
  await client.close();
  const second = pg.pid()!;
  await pg.stop();
  expect(alive(second)).toBe(false);
  expect(existsSync(pg.dir)).toBe(false);
});

test("a test process killed with SIGKILL leaves no postgres and no directory behind", async () => {
  const scratch = mkdtempSync(join(tmpdir(), "mawjly-pg-orphan-"));
  try {
    const script = join(scratch, "orphan.ts");
    writeFileSync(
      script,
      `import { startPostgres } from ${JSON.stringify(join(import.meta.dir, "..", "support", "postgres.ts"))};
const pg = await startPostgres();
console.log(JSON.stringify({ pid: pg.pid(), dir: pg.dir }));
await Bun.sleep(60_000);`,
    );
    const child = Bun.spawn([process.execPath, script], { stdout: "pipe", stderr: "inherit" });
    const reader = child.stdout.getReader();
    const { value } = await reader.read();
    const { pid, dir } = JSON.parse(new TextDecoder().decode(value)) as { pid: number; dir: string };
    expect(alive(pid)).toBe(true);
    child.kill("SIGKILL");
    await child.exited;
    await until(() => !alive(pid) && !existsSync(dir), "the orphaned postmaster to end and its directory to go", 10_000);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
});
