/**
 * Benchmark of the language catalogers, part A (npm, PyPI, RubyGems, Composer, NuGet).
 * Run: npx vite-node bench/language-a-catalogers.ts
 * Builds a real node_modules tree (~1,500 packages: `npm install --ignore-scripts` of a few popular
 * projects, cached under os.tmpdir()), then prints: the cost of `wants` over every file of the tree (the
 * walk calls it for every file of every layer), and the median/min of N `catalog()` runs after warm-up.
 */
import { execFileSync } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { languageCatalogersA } from "../src/catalog/language-a.js";
import type { Cataloger, FileRef } from "../src/catalog/types.js";
import { silentLogger } from "../src/core/logger.js";

const PACKAGES = ["react-scripts@5.0.1", "jest@29.7.0", "webpack@5.90.0", "eslint@8.57.0", "express@4.18.2"];

function tree(): string {
  const dir = join(tmpdir(), `vigil-bench-npm-${PACKAGES.join("_").replace(/[^a-z0-9.]+/gi, "_")}`);
  if (existsSync(join(dir, "done"))) return dir;
  const work = `${dir}.tmp-${process.pid}`;
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  writeFileSync(
    join(work, "package.json"),
    JSON.stringify({ name: "bench", version: "1.0.0", private: true }),
  );
  console.log(`installing ${PACKAGES.join(" ")} (once; cached in ${dir}) …`);
  execFileSync(
    "npm",
    ["install", "--ignore-scripts", "--no-audit", "--no-fund", "--loglevel=error", ...PACKAGES],
    {
      cwd: work,
      stdio: "inherit",
    },
  );
  writeFileSync(join(work, "done"), "");
  rmSync(dir, { recursive: true, force: true });
  renameSync(work, dir);
  return dir;
}

function allFiles(root: string, prefix: string): { path: string; abs: string; size: number }[] {
  const out: { path: string; abs: string; size: number }[] = [];
  const walk = (d: string, rel: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const abs = join(d, e.name);
      const r = `${rel}/${e.name}`;
      if (e.isDirectory()) walk(abs, r);
      else if (e.isFile()) out.push({ path: `${prefix}${r}`, abs, size: statSync(abs).size });
    }
  };
  walk(root, "");
  return out;
}

function memRef(path: string, buf: Buffer, layerIndex = 0): FileRef {
  return {
    path,
    size: buf.length,
    layerIndex,
    read: async () => buf,
    readRange: async (s, e) => buf.subarray(s, e),
  };
}

async function benchCatalog(
  label: string,
  c: Cataloger,
  files: FileRef[],
  exists: (p: string) => boolean,
  runs = 30,
) {
  const input = { files, exists, logger: silentLogger() };
  let t = performance.now();
  const first = await c.catalog(input);
  const firstMs = performance.now() - t;
  for (let i = 0; i < 3; i++) await c.catalog(input);
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    t = performance.now();
    await c.catalog(input);
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  const med = times[Math.floor(times.length / 2)] ?? 0;
  console.log(
    `${label.padEnd(44)} ${String(first.packages.length).padStart(5)} pkgs from ${String(files.length).padStart(5)} files  median ${med.toFixed(1).padStart(6)} ms  min ${(times[0] ?? 0).toFixed(1).padStart(6)} ms  first ${firstMs.toFixed(1).padStart(6)} ms  warnings ${first.warnings.length}`,
  );
}

const root = tree();
const files = allFiles(root, "/app").filter((f) => !f.path.endsWith("/done"));
const dirs = new Set<string>();
for (const f of files) {
  let p = f.path;
  while (p.lastIndexOf("/") > 0) {
    p = p.slice(0, p.lastIndexOf("/"));
    if (dirs.has(p)) break;
    dirs.add(p);
  }
}
console.log(`tree: ${files.length} files under /app`);

// wants(): every file, every cataloger (what the walk does per layer)
for (let i = 0; i < 3; i++)
  for (const f of files) for (const c of languageCatalogersA) c.wants(f.path, f.size);
const t0 = performance.now();
let wanted = 0;
const REP = 5;
for (let i = 0; i < REP; i++)
  for (const f of files) for (const c of languageCatalogersA) if (c.wants(f.path, f.size)) wanted++;
const wantsMs = (performance.now() - t0) / REP;
console.log(
  `wants(): ${files.length} files × ${languageCatalogersA.length} catalogers in ${wantsMs.toFixed(1)} ms (${((wantsMs * 1e6) / (files.length * languageCatalogersA.length)).toFixed(0)} ns/call); ${wanted / REP} wanted`,
);

for (const c of languageCatalogersA) {
  const t = performance.now();
  for (let i = 0; i < REP; i++) for (const f of files) c.wants(f.path, f.size);
  const ms = (performance.now() - t) / REP;
  console.log(`  wants() ${c.name.padEnd(9)} ${((ms * 1e6) / files.length).toFixed(0).padStart(4)} ns/call`);
}

const npm = languageCatalogersA.find((c) => c.name === "npm");
if (!npm) throw new Error("npm cataloger missing");
const npmFiles = files
  .filter((f) => npm.wants(f.path, f.size))
  .map((f) => memRef(f.path, readFileSync(f.abs)));
await benchCatalog("npm: real node_modules tree", npm, npmFiles, (p) => dirs.has(p));
// the same tree seen as a lockfile-only project (node_modules absent)
const lock = npmFiles.filter((f) => f.path === "/app/package-lock.json");
await benchCatalog("npm: its package-lock.json alone", npm, lock, () => false);

const py = languageCatalogersA.find((c) => c.name === "python");
const site = "/usr/lib/python3/dist-packages";
if (py && existsSync(site)) {
  const pyFiles = allFiles(site, site)
    .filter((f) => py.wants(f.path, f.size))
    .map((f) => memRef(f.path, readFileSync(f.abs)));
  await benchCatalog(`python: this machine's ${site}`, py, pyFiles, () => true);
}
