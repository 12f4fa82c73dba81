/**
 * Benchmark entry: `bun bench/run.ts [fanout|memory|cpu|triggers|connect|reconnect|channels|soak|cluster|store|all] [--runs N] [scenario options]`.
 * Each scenario starts its own servers and load processes, prints a table of medians, and ends with
 * one line giving the Mawjly/baseline ratio (store: PostgreSQL/SQLite). Everything talks to 127.0.0.1
 * only. `all` leaves out store, which needs PostgreSQL installed (it starts a throw-away cluster).
 */
import { MAWJLY_CMD, setBaselineAuth, stopAllServers } from "./lib/servers";
import { channels } from "./scenarios/channels";
import { cluster } from "./scenarios/cluster";
import { connect } from "./scenarios/connect";
import { cpu } from "./scenarios/cpu";
import { fanout } from "./scenarios/fanout";
import { memory } from "./scenarios/memory";
import { reconnect } from "./scenarios/reconnect";
import { soak } from "./scenarios/soak";
import { store } from "./scenarios/store";
import { triggers } from "./scenarios/triggers";

const SCENARIOS: Record<string, (args: string[]) => Promise<void>> = { fanout, memory, cpu, triggers, connect, reconnect, channels, soak, cluster, store };
const IN_ALL = Object.keys(SCENARIOS).filter((s) => s !== "store");

const [name = "all", ...options] = process.argv.slice(2);
setBaselineAuth(options.includes("--baseline-auth"));
const rest = options.filter((o) => o !== "--baseline-auth");
const chosen = name === "all" ? IN_ALL : [name];
for (const s of chosen) {
  if (!(s in SCENARIOS)) {
    console.error(`unknown scenario '${s}': use one of ${Object.keys(SCENARIOS).join(", ")} or all`);
    process.exit(2);
  }
}
for (const s of chosen) {
  const started = performance.now();
  console.log(`\n=== ${s} === (mawjly: ${MAWJLY_CMD.join(" ")}; baseline signature check ${options.includes("--baseline-auth") ? "on" : "off"})`);
  try {
    await SCENARIOS[s]!(rest);
  } catch (err) {
    console.error(`${s} failed:`, err);
    await stopAllServers();
    process.exit(1);
  }
  console.log(`(${s} took ${((performance.now() - started) / 1000).toFixed(0)} s)`);
}
process.exit(0);
