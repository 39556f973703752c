// Advisory database benchmark. Run after `npm run build`:  node bench/advisory-build.mjs
// Builds one snapshot from every advisory feed in ../shared/corpus/advisories, then times 100,000 random
// (package key, version) lookups. Prints build time, records/s, snapshot size vs the gzip'd inputs, peak RSS,
// and lookup latency (warm = in-process cache hit after first touch, cold = first touch of a key).
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { buildSnapshot, openSnapshot } from "../dist/advisory/index.js";

const ADV = fileURLToPath(new URL("../../shared/corpus/advisories/", import.meta.url));
const SOURCES = [
  "osv/go-vulndb.osv.jsonl.gz",
  "osv/rustsec-crates.osv.jsonl.gz",
  "osv/pypa-advisory-database-vulns.yaml.tar.gz",
  "osv/pypa-advisory-database.osv.jsonl.gz",
  "osv/ghsa-sample",
  "osv-distro-samples",
  "alpine/chainguard-sample/test-fixtures/input/osv",
  "debian/security-tracker/DSA.list",
  "debian/security-tracker/DLA.list",
  "debian/security-tracker/DTSA.list",
  "debian/vunnel-sample/test-fixtures/input/debian.json",
  "debian/osv.dev-sample/debian_security_tracker_mock.json",
  "alpine/alpine-secdb-v3.3-v3.11.yaml.tar.gz",
  "alpine/vuln-list-update-testdata/311-main.json",
  "alpine/vuln-list-update-testdata/312-main.json",
  "alpine/vuln-list-update-testdata/edge-main.json",
  "alpine/vunnel-secdb-yaml-sample",
  "alpine/wolfi-secdb-sample",
  "alpine/chainguard-sample/test-fixtures/input/secdb",
  "alpine/minimos-secdb-sample",
  "alpine/secureos-secdb-sample/test-fixtures/input/secdb",
  "nvd/osv.dev-nvdcve-1.1-test-data.json.gz",
  "nvd/osv.dev-nvdcve-2.0",
  "nvd/vunnel-sample/test-fixtures/full-page.json",
  "kev/known_exploited_vulnerabilities.json.gz",
  "epss/vunnel-sample/test-fixtures/example-1.csv",
  "misc/claircore-enricher-samples/epss/testdata/data.csv",
].map((p) => ADV + p);

function files(p) {
  const st = statSync(p);
  if (!st.isDirectory()) return [p];
  return readdirSync(p).flatMap((n) => files(join(p, n)));
}
function gzSize(p) {
  return /\.(gz|tgz|zip)$/.test(p) ? statSync(p).size : gzipSync(readFileSync(p), { level: 9 }).length;
}

const dir = mkdtempSync(join(tmpdir(), "vigil-bench-"));
const out = join(dir, "bench.sqlite");
try {
  const inputs = SOURCES.flatMap(files);
  const gz = inputs.reduce((n, f) => n + gzSize(f), 0);
  const t0 = process.hrtime.bigint();
  const m = await buildSnapshot({ sources: SOURCES, out });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  const parsed = m.feeds.reduce((n, f) => n + f.records, 0);
  const size = statSync(out).size;
  const store = openSnapshot(out);
  const advisories = store.advisoryCount();
  console.log(
    `build: ${SOURCES.length} sources, ${inputs.length} files, ${parsed} feed items → ${advisories} advisories`,
  );
  console.log(`build time: ${(ms / 1000).toFixed(2)} s, ${Math.round(parsed / (ms / 1000))} items/s`);
  console.log(
    `snapshot: ${(size / 1024).toFixed(0)} KiB; gzip'd inputs: ${(gz / 1024).toFixed(0)} KiB; ratio ${(size / gz).toFixed(2)}`,
  );
  console.log(`peak RSS: ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB`);
  try {
    const { default: Database } = await import("better-sqlite3");
    const db = new Database(out, { readonly: true });
    const rows = db
      .prepare("SELECT name, sum(pgsize) AS bytes FROM dbstat GROUP BY name ORDER BY bytes DESC")
      .all();
    console.log(`tables: ${rows.map((r) => `${r.name} ${(r.bytes / 1024).toFixed(0)} KiB`).join(", ")}`);
    db.close();
  } catch {
    /* dbstat not compiled in */
  }

  const keys = [];
  for (const ns of store.namespaces()) for (const name of store.packageNames(ns)) keys.push([ns, name]);
  // 10% of queries ask for packages that are not in the snapshot (the common case in real scans).
  for (let i = 0, n = Math.ceil(keys.length / 9); i < n; i++)
    keys.push([keys[i % keys.length][0], `absent-${i}`]);
  store.close();

  let seed = 42;
  const rnd = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const queries = Array.from({ length: 100_000 }, () => {
    const [ns, name] = keys[Math.floor(rnd() * keys.length)];
    return [ns, name, `${Math.floor(rnd() * 10)}.${Math.floor(rnd() * 20)}.${Math.floor(rnd() * 30)}`];
  });
  const s = openSnapshot(out);
  const cold = [];
  const warm = [];
  const touched = new Set();
  let candidates = 0;
  for (const [ns, name] of queries) {
    const k = `${ns}\u0000${name}`;
    const t = process.hrtime.bigint();
    const c = s.lookup(ns, name);
    const us = Number(process.hrtime.bigint() - t) / 1000;
    candidates += c.length;
    (touched.has(k) ? warm : cold).push(us);
    touched.add(k);
  }
  const all = [...cold, ...warm].sort((a, b) => a - b);
  const q = (arr, p) => arr.sort((a, b) => a - b)[Math.min(arr.length - 1, Math.floor(arr.length * p))];
  console.log(
    `lookups: 100000 random (key, version) over ${keys.length} keys, ${candidates} candidates returned; ` +
      `median ${q(all, 0.5).toFixed(2)} µs, p99 ${q(all, 0.99).toFixed(1)} µs; ` +
      `first touch (${cold.length}) median ${q(cold, 0.5).toFixed(1)} µs; repeat (${warm.length}) median ${q(warm, 0.5).toFixed(2)} µs`,
  );
  const t1 = process.hrtime.bigint();
  let n = 0;
  for (const [ns, name] of keys.slice(0, 2000))
    if (s.getAdvisory(s.lookup(ns, name)[0]?.advisoryId ?? "")) n++;
  console.log(`getAdvisory: ${n} records in ${(Number(process.hrtime.bigint() - t1) / 1e6).toFixed(0)} ms`);
  s.close();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
