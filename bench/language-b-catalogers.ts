/**
 * Benchmark of the language catalogers, part B (Maven jars, Go binaries, Rust/cargo).
 * Run: npx vite-node bench/language-b-catalogers.ts
 * Inputs are real files on this machine: Debian's guava and jackson-databind jars (apt-get download,
 * cached under os.tmpdir()), every jar under /usr/share/java packed into one Spring-Boot-style fat jar
 * (stored nested jars, as Spring Boot writes them), and the Go programs shipped by Debian packages
 * (golang-go's `go` and `compile`, skopeo when installed). Prints the median of N catalog() runs after a
 * warm-up, and the cost of `wants` over every path under /usr.
 */
import { readdirSync, readFileSync, realpathSync, statSync } from "node:fs";
import { join } from "node:path";
import { ZipFile } from "yazl";
import {
  bufferFileRef,
  catalogInput,
  debianPackageRoot,
  hostFileRef,
} from "../src/catalog/binary/testing.js";
import { goBinaryCataloger } from "../src/catalog/golang/index.js";
import { javaCataloger } from "../src/catalog/java/index.js";
import { cargoCataloger } from "../src/catalog/rust/index.js";
import type { Cataloger, FileRef } from "../src/catalog/types.js";

const RUNS = 7;

async function time(label: string, c: Cataloger, files: FileRef[]): Promise<void> {
  const input = catalogInput(files);
  let result = await c.catalog(input); // warm-up
  const ms: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now();
    result = await c.catalog(input);
    ms.push(performance.now() - t0);
  }
  ms.sort((a, b) => a - b);
  const mb = files.reduce((s, f) => s + f.size, 0) / 1024 ** 2;
  console.log(
    `${label.padEnd(46)} ${mb.toFixed(1).padStart(7)} MB  median ${ms[RUNS >> 1]!.toFixed(1).padStart(8)} ms  min ${ms[0]!.toFixed(1).padStart(8)} ms  ${result.packages.length} pkgs, ${result.warnings.length} warnings`,
  );
}

function fatJar(jars: string[]): Promise<Buffer> {
  const zip = new ZipFile();
  zip.addBuffer(Buffer.from("Manifest-Version: 1.0\r\n\r\n"), "META-INF/MANIFEST.MF");
  for (const j of jars)
    zip.addBuffer(readFileSync(j), `BOOT-INF/lib/${j.slice(j.lastIndexOf("/") + 1)}`, { compress: false });
  zip.end();
  const chunks: Buffer[] = [];
  return new Promise((resolve) => {
    zip.outputStream.on("data", (c: Buffer) => chunks.push(c));
    zip.outputStream.on("end", () => resolve(Buffer.concat(chunks)));
  });
}

function walk(dir: string, out: string[], limit: number): void {
  if (out.length >= limit) return;
  let entries: import("node:fs").Dirent[];
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return;
  }
  for (const e of entries) {
    const p = join(dir, e.name);
    if (e.isDirectory()) walk(p, out, limit);
    else out.push(p);
  }
}

const guava = join(debianPackageRoot("libguava-java"), "usr/share/java/guava.jar");
const jackson = join(debianPackageRoot("libjackson2-databind-java"), "usr/share/java/jackson-databind.jar");
await time("java: guava 31.1 (Debian)", javaCataloger, [
  await hostFileRef(guava, "/usr/share/java/guava.jar"),
]);
await time("java: jackson-databind (Debian)", javaCataloger, [
  await hostFileRef(jackson, "/usr/share/java/jackson-databind.jar"),
]);

const shareJava = [
  ...new Set(
    readdirSync("/usr/share/java")
      .filter((f) => f.endsWith(".jar"))
      .map((f) => realpathSync(join("/usr/share/java", f))),
  ),
];
if (shareJava.length > 0) {
  const fat = await fatJar(shareJava);
  await time(`java: fat jar of ${shareJava.length} jars (/usr/share/java)`, javaCataloger, [
    bufferFileRef(fat, "/app/app.jar"),
  ]);
}

const goBins = [
  "/usr/lib/go-1.19/bin/go",
  "/usr/lib/go-1.19/pkg/tool/linux_amd64/compile",
  "/usr/bin/skopeo",
].filter((p) => {
  try {
    return statSync(p).isFile();
  } catch {
    return false;
  }
});
for (const b of goBins) await time(`go: ${b}`, goBinaryCataloger, [await hostFileRef(b, b)]);
await time(
  "cargo: same Go programs (no .dep-v0)",
  cargoCataloger,
  await Promise.all(goBins.map((b) => hostFileRef(b, b))),
);

const paths: string[] = [];
walk("/usr", paths, 300_000);
for (const c of [javaCataloger, goBinaryCataloger, cargoCataloger]) {
  let n = 0;
  let ms = Number.POSITIVE_INFINITY;
  for (let round = 0; round < 5; round++) {
    const t0 = performance.now();
    n = 0;
    for (const p of paths) if (c.wants(p, 100_000)) n++;
    ms = Math.min(ms, performance.now() - t0);
  }
  console.log(
    `wants(${c.name}) over ${paths.length} paths under /usr: ${ms.toFixed(1)} ms (${((ms * 1e6) / paths.length).toFixed(0)} ns/path), ${n} wanted`,
  );
}
