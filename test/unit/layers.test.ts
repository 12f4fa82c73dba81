/**
 * The direction of imports (ARCHITECTURE.md "Layers", STYLE.md principle 1): protocol/ imports nothing
 * outside itself; engine/ never reaches the edges, the stores or a runtime (Bun sockets, SQLite, Elysia).
 */
import { describe, expect, test } from "bun:test";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";

const SRC = resolve(import.meta.dir, "..", "..", "src");

function sources(dir: string): string[] {
  return readdirSync(join(SRC, dir), { recursive: true, encoding: "utf8" })
    .filter((f) => f.endsWith(".ts"))
    .map((f) => join(SRC, dir, f));
}

/** Module specifiers of static imports, re-exports and dynamic imports in one file. */
function importsOf(text: string): string[] {
  const specs: string[] = [];
  const patterns = [
    /^\s*import\s+(?:type\s+)?[^'";]*?\sfrom\s+["']([^"']+)["']/gm,
    /^\s*import\s+["']([^"']+)["']/gm,
    /^\s*export\s+(?:type\s+)?[^'";]*?\sfrom\s+["']([^"']+)["']/gm,
    /\bimport\(\s*["']([^"']+)["']\s*\)/g,
    /\brequire\(\s*["']([^"']+)["']\s*\)/g,
  ];
  for (const pattern of patterns) for (const m of text.matchAll(pattern)) specs.push(m[1]!);
  return specs;
}

/** A relative import as a path under src/ (e.g. "engine/app"); bare specifiers unchanged. */
function target(file: string, spec: string): string {
  return spec.startsWith(".") ? relative(SRC, resolve(dirname(file), spec)) : spec;
}

function violations(dir: string, allowed: (t: string) => boolean): string[] {
  const found: string[] = [];
  for (const file of sources(dir)) {
    for (const spec of importsOf(readFileSync(file, "utf8"))) {
      const t = target(file, spec);
      if (!allowed(t)) found.push(`${relative(SRC, file)} imports ${spec}`);
    }
  }
  return found;
}

test("the import scanner sees every import form", () => {
  const text = `import { a } from "./a";\nimport type { B } from "../b";\nimport "./side";\nexport * from "./c";\nexport { d } from './d';\nconst e = await import("./e");\nimport {\n  f,\n  g,\n} from "./fg";`;
  expect(importsOf(text).sort()).toEqual(["../b", "./a", "./c", "./d", "./e", "./fg", "./side"]);
});

describe("layering", () => {
  test("src/protocol imports nothing outside src/protocol (node:crypto aside)", () => {
    expect(sources("protocol").length).toBeGreaterThan(0);
    expect(violations("protocol", (t) => t.startsWith("protocol/") || t === "node:crypto")).toEqual([]);
  });

  test("src/engine imports only protocol/, engine/ and node built-ins", () => {
    const edges = ["transport", "http-api", "cli", "store", "apps", "server", "main", "config", "api", "dashboard", "webhooks"];
    const allowed = (t: string) => {
      if (edges.some((e) => t === e || t.startsWith(`${e}/`) || t === `${e}.ts`)) return false;
      if (t.startsWith("engine/") || t.startsWith("protocol/")) return true;
      return t.startsWith("node:") && t !== "node:fs" && t !== "node:net" && t !== "node:http";
    };
    expect(sources("engine").length).toBeGreaterThan(0);
    expect(violations("engine", allowed)).toEqual([]);
  });

  test("no runtime I/O in the pure core: no bun, bun:sqlite, elysia, Bun.* or process.*", () => {
    const found: string[] = [];
    for (const file of [...sources("protocol"), ...sources("engine")]) {
      const text = readFileSync(file, "utf8");
      for (const spec of importsOf(text)) if (/^(bun|bun:.*|elysia)$/.test(spec)) found.push(`${relative(SRC, file)}: ${spec}`);
      // Types from "bun" are fine, but the engine must not call the runtime directly.
      const code = text.replace(/\/\*[\s\S]*?\*\//g, "").replace(/\/\/.*$/gm, "");
      // Bun.CryptoHasher and Bun.MD5 are pure computation (protocol/signatures.ts: one keyed HMAC per
      // secret, and the body MD5 of every signed request).
      if (/\bBun\.(?!CryptoHasher\b|MD5\b)\w+/.test(code)) found.push(`${relative(SRC, file)}: uses Bun.*`);
      if (/\bprocess\.\w+/.test(code)) found.push(`${relative(SRC, file)}: uses process.*`);
    }
    expect(found).toEqual([]);
  });

  test("the edges ask the engine (engine.live) and never import its per-node state (ARCHITECTURE.md \"Several nodes\")", () => {
    const internals = ["engine/app-state", "engine/session", "engine/subscriptions", "engine/presence", "engine/publisher"];
    const found: string[] = [];
    for (const dir of ["http-api", "api", "dashboard", "metrics"]) {
      found.push(...violations(dir, (t) => !internals.includes(t)));
      for (const file of sources(dir)) {
        if (/\bpeekState\(|\.appStates\(|\bsubscriberCount\b/.test(readFileSync(file, "utf8"))) found.push(`${relative(SRC, file)} reads engine state`);
      }
    }
    expect(found).toEqual([]);
  });

  test("handlers take the EngineContext: nothing in src/engine imports engine.ts (no import circle)", () => {
    expect(violations("engine", (t) => t !== "engine/engine")).toEqual([]);
  });

  test("only the composition roots (server.ts, and the CLI's own processes) pick adapter implementations", () => {
    const found: string[] = [];
    for (const dir of ["engine", "protocol", "http-api", "api", "dashboard", "metrics", "transport", "apps", "accounts", "webhooks"]) {
      found.push(...violations(dir, (t) => !/^adapters\/[^/]+\/memory$/.test(t)));
    }
    expect(found).toEqual([]);
  });
});

/**
 * The modules `mawjly serve` loads before its first request: src/main.ts and what it imports at run
 * time, followed through relative imports as Bun resolves them. Bun's transpiler drops type-only
 * imports, as at run time; dynamic import() is what loads later, on first need, so it is not followed.
 */
function startPath(entry: string): { modules: Set<string>; bare: Map<string, string[]> } {
  const transpiler = new Bun.Transpiler({ loader: "tsx" });
  const bare = new Map<string, string[]>(); // bare specifier → the modules importing it
  const modules = new Set<string>();
  const visit = (file: string) => {
    if (modules.has(file)) return;
    modules.add(file);
    const code = readFileSync(file, "utf8").replace(/^#!.*/, "");
    for (const { path, kind } of transpiler.scanImports(code)) {
      if (kind === "dynamic-import") continue;
      if (!path.startsWith(".")) {
        bare.set(path, [...(bare.get(path) ?? []), relative(SRC, file)]);
        continue;
      }
      // Throws for an import that does not resolve: the walk never skips a module it cannot find.
      const target = Bun.resolveSync(path, dirname(file));
      if (/\.tsx?$/.test(target)) visit(target);
      else if (!/\.(sql|json|txt|css|html|svg)$/.test(target)) throw new Error(`${relative(SRC, file)}: unexpected import ${path}`);
    }
  };
  visit(join(SRC, entry));
  return { modules, bare };
}

test("the server's start path loads neither TypeBox nor Elysia (~3.5 MB and ~8 MB per process; docs/architecture.md)", () => {
  const { modules, bare } = startPath("main.ts");
  // The walk reaches the server and the modules that used to load TypeBox.
  for (const reached of ["server.ts", "engine/app.ts", "config/config.ts", "webhooks/service.ts", "accounts/service.ts", "apps/service.ts"]) {
    expect([reached, modules.has(join(SRC, reached))]).toEqual([reached, true]);
  }
  const heavy = [...bare].filter(([spec]) => /^(@sinclair\/typebox|elysia|@elysiajs)/.test(spec)).map(([spec, by]) => `${spec} ← ${by.join(", ")}`);
  expect(heavy).toEqual([]);
});
