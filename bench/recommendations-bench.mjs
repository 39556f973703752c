#!/usr/bin/env node
// Recommendations benchmark (docs/benchmarks.md): a real docker-registry on 127.0.0.1 holding a base
// repository with 50 tags (built from the bundled example image's real layers, each tag a distinct
// image), an application on one of them, and the example advisories as the snapshot. Prints the wall
// time of `vigil recommendations` cold (empty caches) and warm (second run; target < 1 s).
// Needs docker-registry (Debian) and `npm run build`.
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

const repo = new URL("..", import.meta.url).pathname;
const main = join(repo, "dist/cli/main.js");
const launcher = join(repo, "bin/vigil.cjs");
const ex = join(repo, "examples/debian-app");
const blob = (d) => readFileSync(join(ex, "blobs/sha256", d.slice(7)));
const idx = JSON.parse(readFileSync(join(ex, "index.json"), "utf8"));
const man = JSON.parse(blob(idx.manifests[0].digest).toString());
const cfg = JSON.parse(blob(man.config.digest).toString());
const L = man.layers.map((l, i) => ({ ...l, diffId: cfg.rootfs.diff_ids[i], data: blob(l.digest) }));
const sha = (b) => `sha256:${createHash("sha256").update(b).digest("hex")}`;

const dir = mkdtempSync(join(tmpdir(), "vigil-reco-bench-"));
const port = await new Promise((r) => {
  const s = createServer().listen(0, "127.0.0.1", () => {
    const p = s.address().port;
    s.close(() => r(p));
  });
});
writeFileSync(
  join(dir, "config.yml"),
  `version: 0.1\nlog: { level: error, accesslog: { disabled: true } }\nstorage: { filesystem: { rootdirectory: ${dir}/data } }\nhttp: { addr: 127.0.0.1:${port} }\n`,
);
const registry = spawn("docker-registry", ["serve", join(dir, "config.yml")], { stdio: "ignore" });
const base = `http://127.0.0.1:${port}/v2`;
try {
  for (let i = 0; i < 100; i++) {
    try {
      if ((await fetch(`${base}/`)).ok) break;
    } catch {}
    await new Promise((r) => setTimeout(r, 100));
  }
  const putBlob = async (name, data) => {
    const d = sha(data);
    const start = await fetch(`${base}/${name}/blobs/uploads/`, { method: "POST" });
    const loc = new URL(start.headers.get("location"), base);
    loc.searchParams.set("digest", d);
    const r = await fetch(loc, {
      method: "PUT",
      body: data,
      headers: { "content-type": "application/octet-stream" },
    });
    if (r.status !== 201) throw new Error(`blob upload ${r.status}`);
    return d;
  };
  const push = async (name, tag, layers, label) => {
    for (const l of layers) await putBlob(name, l.data);
    const c = Buffer.from(
      JSON.stringify({
        architecture: "amd64",
        os: "linux",
        created: "2024-06-01T00:00:00Z",
        config: { Labels: { tag: label } },
        rootfs: { type: "layers", diff_ids: layers.map((l) => l.diffId) },
      }),
    );
    await putBlob(name, c);
    const m = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: "application/vnd.oci.image.manifest.v1+json",
        config: { mediaType: "application/vnd.oci.image.config.v1+json", digest: sha(c), size: c.length },
        layers: layers.map((l) => ({ mediaType: l.mediaType, digest: l.digest, size: l.size })),
      }),
    );
    const r = await fetch(`${base}/${name}/manifests/${tag}`, {
      method: "PUT",
      body: m,
      headers: { "content-type": "application/vnd.oci.image.manifest.v1+json" },
    });
    if (r.status !== 201) throw new Error(`manifest ${r.status}`);
  };
  // 50 tags: 1.0 … 5.9 (5 majors × 10 minors); odd minors carry the upgraded layer
  const tags = [];
  for (let major = 1; major <= 5; major++)
    for (let minor = 0; minor < 10; minor++) tags.push(`${major}.${minor}`);
  for (const t of tags) await push("library/base", t, Number(t.split(".")[1]) % 2 ? [L[0], L[1]] : [L[0]], t);
  await push("shop/app", "1", [L[0], L[2]], "app");
  const env = {
    ...process.env,
    VIGIL_CACHE_DIR: join(dir, "cache"),
    VIGIL_DATA_DIR: join(dir, "data-vigil"),
  };
  const vigil = (args) => spawnSync(launcher, args, { encoding: "utf8", env });
  vigil(["db", "build", "--quiet", "-s", join(repo, "advisories/example"), "-o", join(dir, "db.sqlite")]);
  const args = [
    "recommendations",
    "--quiet",
    "--db",
    join(dir, "db.sqlite"),
    "--tag",
    `127.0.0.1:${port}/library/base:1.0`,
    `registry://127.0.0.1:${port}/shop/app:1`,
  ];
  const time = () => {
    const t = process.hrtime.bigint();
    const r = vigil(args);
    const s = Number(process.hrtime.bigint() - t) / 1e9;
    if (r.status !== 0) throw new Error(`recommendations failed: ${r.stderr}`);
    return { s, out: r.stdout };
  };
  const cold = time();
  if (process.env.PROFILE_DIR) {
    // CPU profile of one warm run (where the time goes when the machine is loaded)
    spawnSync(process.execPath, ["--cpu-prof", "--cpu-prof-dir", process.env.PROFILE_DIR, main, ...args], {
      env,
    });
  }
  const warm = [time(), time(), time()].map((x) => x.s).sort((a, b) => a - b);
  const listed = (cold.out.match(/^ {3}\d+\.\d+ /gm) ?? []).length;
  console.log(`base repository: ${tags.length} tags; candidates analysed and listed: ${listed}`);
  console.log(
    `machine: ${execFileSync("nproc").toString().trim()} cores, node ${process.version}, load ${readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ")}`,
  );
  console.log(`cold (empty caches)   ${cold.s.toFixed(3)} s`);
  console.log(`warm (median of 3)    ${warm[1].toFixed(3)} s   (target < 1 s)`);
} finally {
  registry.kill("SIGKILL");
  rmSync(dir, { recursive: true, force: true });
}
