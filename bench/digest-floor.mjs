// The least time any Node program can take to verify a docker archive's layers: it starts, finds each
// layer in the archive (a header walk of the outer tar and its manifest.json and config), hashes the
// layers in two worker threads (largest first, each to the thread with less to do), checks each digest
// against the config's diffID, and exits. It walks no layer's headers and reads no package database.
// index-bench.sh times it beside `vigil sbom archive://…`, in the same rounds: Vigil's time minus this
// one is what its indexing costs beyond Node's start and the digest checks (docs/benchmarks.md).
//
//   node bench/digest-floor.mjs ARCHIVE.tar     (exit 0 when every layer matches its diffID)
import { closeSync, openSync, readSync, statSync } from "node:fs";
import { posix } from "node:path";
import { Worker } from "node:worker_threads";

// A damaged archive (or one without a manifest) is a one-line error and exit 1.
process.on("uncaughtException", (e) => {
  console.error(`digest-floor: ${e?.message ?? e}`);
  process.exit(1);
});
const file = process.argv[2];
if (!file) {
  console.error("usage: digest-floor.mjs ARCHIVE.tar");
  process.exit(64);
}
// The outer tar is read with Vigil's own header-seeking reader (run `npm run build` first).
const { seekTarEntries } = await import(new URL("../dist/image/tar-seek.js", import.meta.url).href);

// The outer tar's members: name → data offset and size, or the member a link points to.
const members = new Map();
for (const e of seekTarEntries(file, 0, statSync(file).size, file)) {
  const name = posix.normalize(e.name);
  // A symbolic link is relative to its own directory; a hard link names another member.
  if (e.type === "symlink") members.set(name, { link: posix.join(posix.dirname(name), e.linkname) });
  else if (e.type === "hardlink") members.set(name, { link: posix.normalize(e.linkname) });
  else if (e.type === "file") members.set(name, { offset: e.dataOffset, size: e.size });
}
const fd = openSync(file, "r");
const member = (name) => {
  let m = members.get(posix.normalize(name));
  for (let hops = 0; m?.link && hops < 8; hops++) m = members.get(m.link);
  if (!m || m.link) throw new Error(`${file}: no member ${name}`);
  return m;
};
const json = (name) => {
  const m = member(name);
  const b = Buffer.alloc(m.size);
  readSync(fd, b, 0, m.size, m.offset);
  return JSON.parse(b.toString("utf8"));
};
const [manifest] = json("manifest.json");
const diffIds = json(manifest.Config).rootfs.diff_ids;
const layers = manifest.Layers.map((name, i) => ({ ...member(name), diffId: diffIds[i] }));
closeSync(fd);

// Two threads, largest layer first to the one with fewer bytes so far.
const groups = [
  { bytes: 0, layers: [] },
  { bytes: 0, layers: [] },
];
for (const l of [...layers].sort((a, b) => b.size - a.size)) {
  const g = groups[0].bytes <= groups[1].bytes ? groups[0] : groups[1];
  g.bytes += l.size;
  g.layers.push(l);
}
const hasher = `
const { openSync, readSync } = require("node:fs");
const { createHash } = require("node:crypto");
const { workerData, parentPort } = require("node:worker_threads");
const fd = openSync(workerData.file, "r");
const buf = Buffer.allocUnsafe(64 * 1024);
const bad = [];
for (const l of workerData.layers) {
  const hash = createHash("sha256");
  for (let p = l.offset, end = l.offset + l.size; p < end; ) {
    const n = readSync(fd, buf, 0, Math.min(buf.length, end - p), p);
    if (n === 0) throw new Error("short read");
    hash.update(n === buf.length ? buf : buf.subarray(0, n));
    p += n;
  }
  const got = "sha256:" + hash.digest("hex");
  if (got !== l.diffId) bad.push(l.diffId + ": got " + got);
}
parentPort.postMessage(bad);`;
let failed = false;
await Promise.all(
  groups
    .filter((g) => g.layers.length > 0)
    .map(
      (g) =>
        new Promise((resolve, reject) => {
          const w = new Worker(hasher, { eval: true, workerData: { file, layers: g.layers } });
          w.once("message", (bad) => {
            for (const b of bad) console.error(`digest mismatch: ${b}`);
            if (bad.length > 0) failed = true;
            resolve();
          });
          w.once("error", reject);
        }),
    ),
);
process.exitCode = failed ? 1 : 0;
