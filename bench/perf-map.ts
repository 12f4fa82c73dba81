/**
 * Names the JIT frames of a `perf record` of a Bun process. JavaScriptCore writes a jitdump of every
 * function it compiles when started with BUN_JSC_useJITDump=1 BUN_JSC_jitDumpDirectory=DIR; perf
 * cannot use it when it attached after the process started (`perf record -p`), but it reads
 * /tmp/perf-PID.map for anonymous executable memory. This writes that map from the dumps in DIR.
 * Usage (bench/README.md, "Profiling with perf"): bun bench/perf-map.ts DIR
 * The dump files are named jit-<n>-<pid>.dump; <pid> is the process perf shows as "[JIT] tid <pid>".
 */
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const JIT_CODE_LOAD = 0;
const dir = process.argv[2];
if (dir === undefined) {
  console.error("usage: bun bench/perf-map.ts DIR   (the BUN_JSC_jitDumpDirectory of the profiled process)");
  process.exit(2);
}
for (const file of readdirSync(dir).filter((f) => /^jit-\d+-\d+\.dump$/.test(f))) {
  const pid = file.split(/[-.]/)[2]!;
  const buf = readFileSync(join(dir, file));
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  // Code that was thrown away (deoptimized, collected) leaves its addresses to later code: a later
  // load wins over every earlier one it overlaps, or perf would name frames after dead functions.
  const loads: { start: bigint; end: bigint; line: string }[] = [];
  // The jitdump format (linux tools/perf/Documentation/jitdump-specification.txt): a header whose
  // size is at byte 8, then records of { id u32, total_size u32, timestamp u64, … }.
  for (let at = view.getUint32(8, true); at + 16 <= buf.length; ) {
    const id = view.getUint32(at, true);
    const size = view.getUint32(at + 4, true);
    if (size === 0) break;
    if (id === JIT_CODE_LOAD) {
      // pid u32, tid u32, vma u64, code_addr u64, code_size u64, code_index u64, then the name.
      const address = view.getBigUint64(at + 32, true);
      const length = view.getBigUint64(at + 40, true);
      const end = buf.indexOf(0, at + 56);
      loads.push({ start: address, end: address + length, line: `${address.toString(16)} ${length.toString(16)} ${buf.subarray(at + 56, end).toString()}` });
    }
    at += size;
  }
  // Newest first: a load is dead when any newer load (live or dead) took some of its addresses.
  // `covered` holds the merged, sorted ranges of the newer loads, so each look is a binary search.
  const kept: { line: string }[] = [];
  const covered: { start: bigint; end: bigint }[] = [];
  for (let i = loads.length - 1; i >= 0; i--) {
    const load = loads[i]!;
    let lo = 0;
    let hi = covered.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (covered[mid]!.end <= load.start) lo = mid + 1;
      else hi = mid;
    }
    // covered[lo] is the first range ending after load.start: the only one that can overlap it first.
    let last = lo;
    while (last < covered.length && covered[last]!.start < load.end) last++;
    if (last === lo) kept.push(load);
    const merged = { start: load.start, end: load.end };
    if (last > lo) {
      if (covered[lo]!.start < merged.start) merged.start = covered[lo]!.start;
      if (covered[last - 1]!.end > merged.end) merged.end = covered[last - 1]!.end;
    }
    covered.splice(lo, last - lo, merged);
  }
  const lines = kept.map((entry) => entry.line);
  writeFileSync(`/tmp/perf-${pid}.map`, `${lines.join("\n")}\n`);
  console.log(`/tmp/perf-${pid}.map: ${lines.length} functions`);
}
