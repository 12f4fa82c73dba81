/**
 * One `serve` per data directory. Two servers on one database would both deliver the webhook
 * outbox (every webhook twice) and split the in-memory state. The management commands do not take
 * this lock: they keep working while a server runs.
 *
 * How: an exclusive SQLite transaction held open on a small file beside the database. SQLite takes
 * it with a POSIX fcntl() lock, which the kernel drops when the process ends in any way, SIGKILL and
 * OOM-kill included, so a crash never leaves a stale lock. Chosen over
 *  - a pid file checked with process.kill(pid, 0): pids are reused (after a reboot or in a container
 *    the stale pid is often alive as another process), and check-then-write races two starts;
 *  - flock(2) through bun:ffi: needs the C library's file name per platform (glibc, musl, macOS) in
 *    the compiled binary, and bun:ffi is marked experimental.
 * The pid in the `.pid` file is only for the refusal message; the lock itself is the fcntl lock.
 *
 * Cluster mode will coordinate several servers instead; it simply does not call this.
 */
import { Database } from "bun:sqlite";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export const LOCK_FILE = "serve.lock";
const PID_FILE = "serve.pid";

export class DataDirLocked extends Error {
  override name = "DataDirLocked";
}

export interface DataDirLock {
  release(): void;
}

/** Takes the lock or throws DataDirLocked with one line naming the directory and the holder's pid. */
export function lockDataDir(dataDir: string): DataDirLock {
  const db = new Database(join(dataDir, LOCK_FILE), { create: true });
  try {
    // No waiting: a second server must be refused at once, not after a timeout.
    db.exec("PRAGMA busy_timeout = 0");
    db.exec("PRAGMA journal_mode = DELETE");
    db.exec("BEGIN EXCLUSIVE");
  } catch (err) {
    db.close();
    if ((err as { code?: string }).code !== "SQLITE_BUSY") throw err;
    const pid = holder(dataDir);
    throw new DataDirLocked(
      `another mawjly server${pid ? ` (pid ${pid})` : ""} is already using the data directory ${dataDir}; stop it first, or give this one its own --data-dir`,
    );
  }
  writeFileSync(join(dataDir, PID_FILE), `${process.pid}\n`);
  return {
    release() {
      // The pid file first, while the lock still guarantees no other server has written its own.
      rmSync(join(dataDir, PID_FILE), { force: true });
      try {
        db.exec("ROLLBACK");
      } finally {
        db.close();
      }
    },
  };
}

function holder(dataDir: string): string | undefined {
  try {
    return /^\d+/.exec(readFileSync(join(dataDir, PID_FILE), "utf8"))?.[0];
  } catch {
    // No pid file yet: the other server is between taking the lock and writing it.
    return undefined;
  }
}
