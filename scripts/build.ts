// Build the Mawjly standalone executables.
//
//   bun scripts/build.ts               host binary + linux-x64 + linux-arm64 + SHA256SUMS
//   bun scripts/build.ts --host-only   only dist/mawjly (fast path for tests)
//   bun scripts/build.ts --strict      fail if any target cannot be built (used by the release workflow)
//   bun scripts/build.ts --entry F --outdir D   build another entry / into another dir (for tooling tests)
//
// We spawn the `bun build` CLI (the same Bun that runs this script) rather than Bun.build() so the exact
// flags are visible in one place and can be copied into a terminal when something goes wrong.

import { mkdir, rm, readFile, stat } from "node:fs/promises";
import { join, resolve, basename } from "node:path";

const root = resolve(import.meta.dir, "..");

interface Options {
  hostOnly: boolean;
  strict: boolean;
  entry: string;
  outdir: string;
}

function parseArgs(argv: string[]): Options {
  const opts: Options = {
    hostOnly: false,
    strict: false,
    entry: join(root, "src/main.ts"),
    outdir: join(root, "dist"),
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = () => {
      const v = argv[++i];
      if (!v) fail(`${arg} needs a value`);
      return resolve(v);
    };
    if (arg === "--host-only") opts.hostOnly = true;
    else if (arg === "--strict") opts.strict = true;
    else if (arg === "--entry") opts.entry = value();
    else if (arg === "--outdir") opts.outdir = value();
    else fail(`unknown argument: ${arg} (expected --host-only, --strict, --entry F, --outdir D)`);
  }
  return opts;
}

function fail(message: string): never {
  console.error(`build: ${message}`);
  process.exit(1);
}

async function gitShortSha(): Promise<string> {
  // A fresh clone without commits, or a tarball without .git, still builds: the commit is just "unknown".
  try {
    const proc = Bun.spawnSync(["git", "rev-parse", "--short", "HEAD"], { cwd: root, stderr: "ignore" });
    const sha = proc.stdout.toString().trim();
    return proc.exitCode === 0 && /^[0-9a-f]+$/.test(sha) ? sha : "unknown";
  } catch {
    return "unknown"; // git not installed
  }
}

function buildDate(): string {
  // SOURCE_DATE_EPOCH (reproducible-builds.org) lets packagers pin the date; otherwise "now".
  const epoch = Number(process.env.SOURCE_DATE_EPOCH);
  const date = Number.isFinite(epoch) && epoch > 0 ? new Date(epoch * 1000) : new Date();
  return date.toISOString().replace(/\.\d{3}Z$/, "Z");
}

interface Target {
  file: string; // name inside outdir
  bunTarget?: string; // undefined = the host runtime (the Bun running this script)
}

const TARGETS: Target[] = [
  { file: "mawjly" },
  { file: "mawjly-linux-x64", bunTarget: "bun-linux-x64" },
  { file: "mawjly-linux-arm64", bunTarget: "bun-linux-arm64" },
];

function buildArgs(opts: Options, target: Target, defines: Record<string, string>): string[] {
  const args = [
    process.execPath, "build", opts.entry,
    "--compile", "--production", "--minify",
    // --bytecode alone defaults to CommonJS output, which rejects top-level await; keep ESM.
    "--bytecode", "--format=esm",
    // The binary must behave the same wherever it is started: a stray .env or bunfig.toml in the
    // working directory must not change its configuration (settings come from flags/env/config file).
    "--no-compile-autoload-dotenv", "--no-compile-autoload-bunfig",
    "--outfile", join(opts.outdir, target.file),
  ];
  if (target.bunTarget) args.push(`--target=${target.bunTarget}`);
  for (const [name, value] of Object.entries(defines)) args.push("--define", `${name}=${JSON.stringify(value)}`);
  return args;
}

interface Result {
  ok: boolean;
  seconds: number;
  output: string;
}

async function runBuild(args: string[]): Promise<Result> {
  const started = performance.now();
  const proc = Bun.spawn(args, { cwd: root, stdout: "pipe", stderr: "pipe" });
  const [out, err, code] = await Promise.all([
    new Response(proc.stdout).text(),
    new Response(proc.stderr).text(),
    proc.exited,
  ]);
  return { ok: code === 0, seconds: (performance.now() - started) / 1000, output: (out + err).trim() };
}

// The most useful single line of bun's output, e.g. "Failed to download 'bun-linux-aarch64-v1.4.5': ConnectionRefused".
function reason(output: string): string {
  const lines = output.split("\n").map((l) => l.trim()).filter(Boolean);
  const err = lines.find((l) => /error|failed|cannot|could not/i.test(l));
  return err ?? lines.at(-1) ?? "no output from bun build";
}

async function sha256(path: string): Promise<string> {
  const hasher = new Bun.CryptoHasher("sha256");
  // Stream in chunks: the binaries are ~100 MB each.
  for await (const chunk of Bun.file(path).stream()) hasher.update(chunk);
  return hasher.digest("hex");
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(() => true, () => false);
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  if (!(await exists(opts.entry))) fail(`entry point not found: ${opts.entry}`);

  const pkg = JSON.parse(await readFile(join(root, "package.json"), "utf8"));
  const defines = {
    MAWJLY_VERSION: String(pkg.version),
    MAWJLY_COMMIT: await gitShortSha(),
    MAWJLY_BUILD_DATE: buildDate(),
  };
  console.log(`build: mawjly ${defines.MAWJLY_VERSION} (commit ${defines.MAWJLY_COMMIT}, built ${defines.MAWJLY_BUILD_DATE})`);

  await mkdir(opts.outdir, { recursive: true });
  const targets = opts.hostOnly ? TARGETS.slice(0, 1) : TARGETS;
  // Remove old outputs first so a target that fails now is not shipped stale in SHA256SUMS.
  await Promise.all(targets.map((t) => rm(join(opts.outdir, t.file), { force: true })));
  await rm(join(opts.outdir, "SHA256SUMS"), { force: true });

  const started = performance.now();
  const failures: string[] = [];
  // Sequential: each target takes about a second on a 2-core machine, so running them side by side
  // would save little and triple peak memory (each build holds a ~110 MB executable in memory).
  for (const target of targets) {
    const args = buildArgs(opts, target, defines);
    const result = await runBuild(args);
    const label = target.bunTarget ?? "host";
    if (result.ok) {
      const size = (await stat(join(opts.outdir, target.file))).size / 1e6;
      console.log(`build: ${join(basename(opts.outdir), target.file)} (${label}, ${size.toFixed(0)} MB, ${result.seconds.toFixed(1)}s)`);
      continue;
    }
    if (!target.bunTarget) {
      // The host binary is what tests and the smoke test run: without it the build has failed.
      console.error(result.output);
      console.error(`build: FAILED to build the host binary. Command:\n  ${args.join(" ")}`);
      process.exit(1);
    }
    const line = `could not build ${target.file} (--target=${target.bunTarget}): ${reason(result.output)}`;
    console.error(`build: warning: ${line}`);
    failures.push(line);
  }

  // sha256sum format ("<hex>  <name>"), so `sha256sum -c SHA256SUMS` works in dist/. Every binary present
  // is listed (with --host-only, cross binaries from an earlier full build too), so the file always matches.
  const sums: string[] = [];
  for (const t of TARGETS) {
    const path = join(opts.outdir, t.file);
    if (await exists(path)) sums.push(`${await sha256(path)}  ${t.file}`);
  }
  await Bun.write(join(opts.outdir, "SHA256SUMS"), sums.join("\n") + "\n");
  console.log(`build: ${join(basename(opts.outdir), "SHA256SUMS")} (${sums.length} files), total ${((performance.now() - started) / 1000).toFixed(1)}s`);

  if (failures.length > 0 && opts.strict) fail(`--strict: ${failures.length} target(s) failed`);
}

await main();
