#!/usr/bin/env node
/**
 * Matching benchmark (prints figures; run after `npm run build`):
 *
 *   node bench/match-bench.mjs [SNAPSHOT]
 *
 * 1. In process: match() of an SBOM of 2,000 packages against the full corpus snapshot (every feed in
 *    ../shared/corpus/advisories, built with buildSnapshot into the OS temp dir when SNAPSHOT is not
 *    given): the first call on a cold snapshot, the second, then the median and p90 of 30 more. The SBOM is real package data: the 357 dpkg packages of claircore's texlive image status file
 *    (matched as Debian 11) plus PyPI and Go packages named by the corpus feeds at versions from their own
 *    ranges (so that part of them are vulnerable) — 2,000 in all.
 *    Then the first match() in a fresh process of each part of that SBOM alone (the Debian packages; 300
 *    of the language packages), and of the same 2,000 packages with the language ones at the version
 *    that fixed the advisory they were picked from (an image kept up to date), median of 7 processes;
 *    and, once bench/build-real-sbom.sh has built it (or REAL_SBOM names one), of a real root
 *    filesystem's SBOM of ~2,100 packages.
 *    Then what the 2,000 packages' first match() decodes (brotli blocks, JSON texts) and how long decoding
 *    those same inputs again takes, median of 5 fresh processes.
 * 2. Whole process: `vigil cves` on the bundled example image with its SBOM cached, and on the 2,000-package
 *    SBOM above (sbom://) against the full corpus snapshot, wall time (median of 7 each).
 */
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { gunzipSync } from "node:zlib";

const repo = join(dirname(fileURLToPath(import.meta.url)), "..");
const corpus = join(repo, "..", "shared", "corpus");
const dist = (p) => join(repo, "dist", p);
const work = join(tmpdir(), "vigil-match-bench");
mkdirSync(work, { recursive: true });

const { buildSnapshot } = await import(dist("advisory/store/build.js"));
const { openSnapshot } = await import(dist("advisory/store/open.js"));
const { match } = await import(dist("match/matcher.js"));
const { dpkgCataloger } = await import(dist("catalog/dpkg/index.js"));
const { silentLogger } = await import(dist("core/logger.js"));
// one snapshot file per schema version: a snapshot of another layout is refused
const { SCHEMA_VERSION } = await import(dist("advisory/store/schema.js"));

let snapshot = process.argv[2];
if (!snapshot) {
  snapshot = join(work, `corpus-v${SCHEMA_VERSION}.sqlite`);
  if (!existsSync(snapshot)) {
    const t = performance.now();
    await buildSnapshot({ sources: [join(corpus, "advisories")], out: snapshot });
    console.log(`built corpus snapshot in ${((performance.now() - t) / 1000).toFixed(1)} s → ${snapshot}`);
  }
}

// --- the SBOM
const statusPath = join(corpus, "pkgdb/dpkg/claircore/texlive.status");
const data = readFileSync(statusPath);
const distro = { id: "debian", versionId: "11", codename: "bullseye" };
const { packages: debs } = await dpkgCataloger.catalog({
  files: [
    {
      path: "/var/lib/dpkg/status",
      size: data.length,
      layerIndex: 0,
      read: async () => data,
      readRange: async (s, e) => data.subarray(s, e),
    },
  ],
  distro,
  exists: () => false,
  logger: silentLogger(),
});
const lang = [];
const langFixed = [];
const seen = new Set();
function fromOsv(file, type) {
  for (const line of gunzipSync(readFileSync(file)).toString("utf8").split("\n")) {
    if (!line) continue;
    const rec = JSON.parse(line);
    for (const a of rec.affected ?? []) {
      const name = a.package?.name;
      const ev = a.ranges?.find((r) => r.type !== "GIT")?.events ?? [];
      const version =
        ev.find((e) => e.introduced && e.introduced !== "0")?.introduced ?? ev.find((e) => e.fixed)?.fixed;
      if (!name || !version || seen.has(`${type}:${name}`)) continue;
      seen.add(`${type}:${name}`);
      // the same package at the version that fixed the advisory (a project that keeps up to date)
      const fixed = ev.findLast((e) => e.fixed)?.fixed;
      if (fixed)
        langFixed.push({
          id: `${type}:${name}@${fixed}`,
          type,
          name,
          version: fixed,
          purl: `pkg:${type}/${name}@${fixed}`,
          locations: [{ path: "/app" }],
          foundBy: "bench",
        });
      lang.push({
        id: `${type}:${name}@${version}`,
        type,
        name,
        version,
        purl: `pkg:${type}/${name}@${version}`,
        locations: [{ path: "/app" }],
        foundBy: "bench",
      });
    }
  }
}
fromOsv(join(corpus, "advisories/osv/pypa-advisory-database.osv.jsonl.gz"), "pypi");
fromOsv(join(corpus, "advisories/osv/go-vulndb.osv.jsonl.gz"), "golang");
const packages = [...debs, ...lang].slice(0, 2000);
const sbom = {
  schemaVersion: "1.0",
  generator: { name: "vigil", version: "bench", indexerVersion: "bench" },
  createdAt: new Date().toISOString(),
  image: { reference: "bench", layers: [] },
  distro,
  packages,
};

// --- in process
const store = openSnapshot(snapshot);
const times = [];
let result;
for (let i = 0; i < 32; i++) {
  const t = performance.now();
  result = match(sbom, store);
  times.push(performance.now() - t);
}
const first = times[0];
// the second run still fills caches (version lists turned into sets on their second use, JIT tiers);
// the steady state is runs 3 to 32
const second = times[1];
const sorted = times.slice(2).sort((a, b) => a - b);
console.log(
  `match(): ${packages.length} packages (${debs.length} deb, ${packages.length - debs.length} pypi/golang), ` +
    `${result.findings.length} findings in ${new Set(result.findings.map((f) => f.package.id)).size} packages`,
);
console.log(
  `  first run ${first.toFixed(1)} ms (cold store caches), second ${second.toFixed(1)} ms, then median ${sorted[15].toFixed(1)} ms (p90 ${sorted[26].toFixed(1)}, min ${sorted[0].toFixed(1)}) over 30 runs`,
);
store.close();

// --- the first match in a fresh process, per part of the SBOM: the 357 Debian packages of a real image's
// status file, and the first 300 language packages (all at versions the feeds name as affected). A new
// process each time: in this one the matching code is already compiled and optimised.
function firstMatchMs(file) {
  const code = `
    const { readFileSync } = await import("node:fs");
    const { openSnapshot } = await import(${JSON.stringify(dist("advisory/store/open.js"))});
    const { match } = await import(${JSON.stringify(dist("match/matcher.js"))});
    const sbom = JSON.parse(readFileSync(${JSON.stringify(file)}, "utf8"));
    const store = openSnapshot(${JSON.stringify(snapshot)});
    const t = performance.now();
    const n = match(sbom, store).findings.length;
    process.stdout.write(JSON.stringify({ ms: performance.now() - t, n }));`;
  const out = [];
  let n = 0;
  for (let i = 0; i < 7; i++) {
    const r = JSON.parse(
      execFileSync(process.execPath, ["--input-type=module", "-e", code], { encoding: "utf8" }),
    );
    out.push(r.ms);
    n = r.n;
  }
  out.sort((a, b) => a - b);
  return { median: out[3], min: out[0], n };
}
const upToDate = [...debs, ...langFixed].slice(0, 2000);
for (const [label, pkgs] of [
  [`${debs.length} Debian packages (a real image's status file)`, debs],
  ["300 language packages (all at affected versions)", lang.slice(0, 300)],
  [
    `2,000 packages as above but the ${upToDate.length - debs.length} language ones at the version that fixed their advisory`,
    upToDate,
  ],
]) {
  const file = join(work, `sbom-part-${pkgs.length}.json`);
  writeFileSync(file, JSON.stringify({ ...sbom, packages: pkgs }));
  const r = firstMatchMs(file);
  console.log(
    `  first match() in a fresh process, ${label}: ${r.n} findings, median ${r.median.toFixed(1)} ms (min ${r.min.toFixed(1)}) over 7 processes`,
  );
}

// --- what a first match decodes: in a fresh process, the 2,000 packages' first match() with the
// decompressions and JSON parses it does recorded, then the same decompressions and parses done again on
// the recorded inputs. Both are native (zlib, V8's JSON parser): that is the part of a first match that no
// faster matching code removes while findings carry the advisories' text (descriptions, references).
{
  const file = join(work, "sbom-2000-floor.json");
  writeFileSync(file, JSON.stringify(sbom));
  const code = `
    const { readFileSync } = await import("node:fs");
    const { createRequire, syncBuiltinESMExports } = await import("node:module");
    const zlib = createRequire(import.meta.url)("node:zlib");
    const blobs = [];
    const strings = [];
    let recording = false;
    const brotli = zlib.brotliDecompressSync;
    zlib.brotliDecompressSync = (b, o) => { if (recording) blobs.push(b); return brotli(b, o); };
    syncBuiltinESMExports();
    const parse = JSON.parse;
    JSON.parse = (s, r) => { if (recording) strings.push(s); return parse(s, r); };
    const { openSnapshot } = await import(${JSON.stringify(dist("advisory/store/open.js"))});
    const { match } = await import(${JSON.stringify(dist("match/matcher.js"))});
    const sbom = parse(readFileSync(${JSON.stringify(file)}, "utf8"));
    const store = openSnapshot(${JSON.stringify(snapshot)});
    recording = true;
    let t = performance.now();
    match(sbom, store);
    const ms = performance.now() - t;
    recording = false;
    let out = 0;
    t = performance.now();
    for (const b of blobs) out += brotli(b).length;
    const brotliMs = performance.now() - t;
    let chars = 0;
    const kept = [];
    t = performance.now();
    for (const s of strings) { chars += s.length; kept.push(parse(s)); }
    const parseMs = performance.now() - t;
    process.stdout.write(JSON.stringify({ ms, blocks: blobs.length, out, brotliMs, parses: strings.length, chars, parseMs }));`;
  const runs = [];
  for (let i = 0; i < 5; i++)
    runs.push(
      JSON.parse(execFileSync(process.execPath, ["--input-type=module", "-e", code], { encoding: "utf8" })),
    );
  const med = (k) => runs.map((r) => r[k]).sort((a, b) => a - b)[2];
  const r = runs[0];
  console.log(
    `  what the first match() of the 2,000 packages decodes: ${r.blocks} brotli blocks (${(r.out / 1e6).toFixed(1)} MB out) and ${r.parses} JSON texts (${(r.chars / 1e6).toFixed(1)} MB); ` +
      `again on the same inputs, decompressing takes ${med("brotliMs").toFixed(1)} ms and parsing ${med("parseMs").toFixed(1)} ms, of a ${med("ms").toFixed(1)} ms first match (medians of 5 processes)`,
  );
}

// --- whole process on a cached SBOM
// Through the launcher, as `vigil` runs when installed (it defers NODE_EXTRA_CA_CERTS, see README).
const launcher = join(repo, "bin/vigil.cjs");
const exampleDb = join(work, `example-v${SCHEMA_VERSION}.sqlite`);
if (!existsSync(exampleDb))
  await buildSnapshot({ sources: [join(repo, "advisories/example")], out: exampleDb });
const env = { ...process.env, VIGIL_CACHE_DIR: join(work, "cache") };
// A real root filesystem of ~2,000 packages (bench/build-real-sbom.sh): what a first match costs for an
// image as built, rather than one whose every language package is named by an advisory.
const realSbom = process.env.REAL_SBOM ?? join(repo, "bench/.work/real-app.sbom.json");
if (existsSync(realSbom)) {
  const real = JSON.parse(readFileSync(realSbom, "utf8"));
  const types = {};
  for (const p of real.packages) types[p.type] = (types[p.type] ?? 0) + 1;
  const owned = real.packages.filter((p) => p.ownedBy).length;
  const r = firstMatchMs(realSbom);
  const kinds = Object.entries(types)
    .map(([t, n]) => `${n} ${t}`)
    .join(", ");
  console.log(
    `  first match() in a fresh process, a real root filesystem's ${real.packages.length} packages (${kinds}; ` +
      `${owned} language packages owned by a deb): ${r.n} findings, median ${r.median.toFixed(1)} ms (min ${r.min.toFixed(1)}) over 7 processes`,
  );
} else console.log(`  (no real root filesystem's SBOM at ${realSbom}: bench/build-real-sbom.sh builds one)`);
const args = [
  "cves",
  "--db",
  exampleDb,
  "--format",
  "json",
  "-q",
  `oci-dir://${join(repo, "examples/debian-app")}`,
];
execFileSync(launcher, args, { env }); // warms the SBOM cache
/** Wall times (ms, sorted) of 7 runs of `vigil ARGS`; a failing run stops the bench. */
function walls7(argv) {
  const out = [];
  for (let i = 0; i < 7; i++) {
    const t = performance.now();
    const r = spawnSync(launcher, argv, { env });
    out.push(performance.now() - t);
    if (r.status !== 0) throw new Error(r.stderr.toString());
  }
  return out.sort((a, b) => a - b);
}
const walls = walls7(args);
// The same 2,000 packages through the whole CLI (sbom:// skips indexing): what a run pays for its first,
// cold match against the full corpus snapshot, start-up and output included.
const sbomFile = join(work, "sbom-2000.json");
writeFileSync(sbomFile, JSON.stringify(sbom));
const bigWalls = walls7([
  "cves",
  "--db",
  snapshot,
  "--format",
  "json",
  "-q",
  "-o",
  "/dev/null",
  `sbom://${sbomFile}`,
]);
const versionWalls = walls7(["--version"]);
console.log(
  `vigil cves (cached SBOM, example image, json): median ${walls[3].toFixed(0)} ms wall, min ${walls[0].toFixed(0)} ms; ` +
    `\`vigil --version\` median ${versionWalls[3].toFixed(0)} ms`,
);
console.log(
  `vigil cves (the 2,000-package SBOM above as sbom://, full corpus snapshot, json): median ${bigWalls[3].toFixed(0)} ms wall, min ${bigWalls[0].toFixed(0)} ms`,
);
