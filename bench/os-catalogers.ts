/**
 * Benchmark of the OS catalogers' parse time on real databases (corpus + this machine's dpkg status).
 * Run: npx vite-node bench/os-catalogers.ts
 * Prints the median and min of N runs after warm-up; the first-call cost (module load, JIT) separately.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { apkCataloger } from "../src/catalog/apk/index.js";
import { detectDistro } from "../src/catalog/distro/detect.js";
import { memoryFileRef } from "../src/catalog/distro/file-ref.js";
import { dpkgCataloger } from "../src/catalog/dpkg/index.js";
import { rpmCataloger } from "../src/catalog/rpm/index.js";
import type { Cataloger, FileRef } from "../src/catalog/types.js";
import { silentLogger } from "../src/core/logger.js";

const corpus = (rel: string) => fileURLToPath(new URL(`../../shared/corpus/pkgdb/${rel}`, import.meta.url));

async function bench(label: string, c: Cataloger, files: FileRef[], runs = 50): Promise<void> {
  const input = {
    files,
    distro: { id: "debian", versionId: "12" },
    exists: () => false,
    logger: silentLogger(),
  };
  let t = performance.now();
  const first = await c.catalog(input);
  const firstMs = performance.now() - t;
  for (let i = 0; i < 5; i++) await c.catalog(input);
  const times: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < runs; i++) {
    const c0 = process.cpuUsage();
    t = performance.now();
    await c.catalog(input);
    times.push(performance.now() - t);
    const d = process.cpuUsage(c0);
    cpu.push((d.user + d.system) / 1000);
  }
  times.sort((a, b) => a - b);
  cpu.sort((a, b) => a - b);
  const med = times[Math.floor(times.length / 2)]!;
  const cmed = cpu[Math.floor(cpu.length / 2)]!;
  console.log(
    `${label.padEnd(46)} ${String(first.packages.length).padStart(5)} pkgs  wall median ${med.toFixed(2).padStart(7)} ms  min ${times[0]!.toFixed(2).padStart(7)} ms  cpu median ${cmed.toFixed(2).padStart(7)} ms  first call ${firstMs.toFixed(1).padStart(6)} ms`,
  );
}

const status = existsSync("/var/lib/dpkg/status") ? readFileSync("/var/lib/dpkg/status") : undefined;
if (status) {
  await bench("dpkg: this machine's /var/lib/dpkg/status", dpkgCataloger, [
    memoryFileRef("/var/lib/dpkg/status", status),
  ]);
  const withLists: FileRef[] = [memoryFileRef("/var/lib/dpkg/status", status)];
  for (const n of readdirSync("/var/lib/dpkg/info"))
    if (n.endsWith(".list"))
      withLists.push(memoryFileRef(`/var/lib/dpkg/info/${n}`, readFileSync(`/var/lib/dpkg/info/${n}`)));
  for (const n of readdirSync("/usr/share/doc")) {
    const p = `/usr/share/doc/${n}/copyright`;
    if (existsSync(p)) withLists.push(memoryFileRef(p, readFileSync(p)));
  }
  await bench("dpkg: same + info/*.list + copyright files", dpkgCataloger, withLists, 20);
}
await bench("dpkg: texlive.status (corpus)", dpkgCataloger, [
  memoryFileRef("/var/lib/dpkg/status", readFileSync(corpus("dpkg/claircore/texlive.status"))),
]);

// apk: the real 15-package database, and the same records repeated with distinct names (~1,000).
const apk = readFileSync(corpus("apk/osv-scalibr/installed"), "utf8");
await bench("apk: osv-scalibr installed (corpus)", apkCataloger, [
  memoryFileRef("/lib/apk/db/installed", apk),
]);
const big = Array.from({ length: 67 }, (_, i) => apk.replace(/^P:(.*)$/gm, `P:$1-${i}`)).join("\n");
await bench("apk: same records x67 (renamed)", apkCataloger, [memoryFileRef("/lib/apk/db/installed", big)]);

await bench("rpm: sqlite cbl-mariner-2.0 (corpus)", rpmCataloger, [
  memoryFileRef(
    "/var/lib/rpm/rpmdb.sqlite",
    readFileSync(corpus("rpm/go-rpmdb/cbl-mariner-2.0/rpmdb.sqlite")),
  ),
]);
await bench("rpm: NDB sle15-bci (corpus)", rpmCataloger, [
  memoryFileRef("/var/lib/rpm/Packages.db", readFileSync(corpus("rpm/go-rpmdb/sle15-bci/Packages.db"))),
]);
await bench("rpm: BerkeleyDB libuuid (corpus)", rpmCataloger, [
  memoryFileRef("/var/lib/rpm/Packages", readFileSync(corpus("rpm/go-rpmdb/libuuid/Packages"))),
]);

console.log(
  `(load average ${(await import("node:os"))
    .loadavg()
    .map((l) => l.toFixed(1))
    .join(" ")} on ${(await import("node:os")).cpus().length} cores)`,
);
const osr = [
  memoryFileRef("/etc/os-release", readFileSync(corpus("os-release/syft/os/ubuntu/etc/os-release"))),
];
const t = performance.now();
for (let i = 0; i < 1000; i++) await detectDistro(osr);
console.log(`distro: detectDistro(os-release) x1000: ${(performance.now() - t).toFixed(1)} ms`);
