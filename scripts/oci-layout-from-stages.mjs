#!/usr/bin/env node
/**
 * Writes an OCI image layout from successive root-filesystem stages: layer N holds what changed between
 * stage N-1 and stage N (new or changed files, directories and symlinks; whiteouts for removed paths).
 * Deterministic: entries sorted, fixed mtime/uid/gid, gzip without a timestamp.
 *
 *   node scripts/oci-layout-from-stages.mjs SPEC.json
 *
 * SPEC: { out, created, refName, imageName, config: {...}, stages: [{ dir, createdBy }] }
 */
import { createHash } from "node:crypto";
import {
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import tarStream from "tar-stream";

const spec = JSON.parse(readFileSync(process.argv[2], "utf8"));
const mtime = new Date(spec.created);

/** path (relative, no leading slash) → { type, mode, content?, target? } */
function scan(root) {
  const out = new Map();
  const walk = (rel) => {
    const abs = rel ? join(root, rel) : root;
    for (const name of readdirSync(abs).sort()) {
      const r = rel ? `${rel}/${name}` : name;
      const st = lstatSync(join(root, r));
      const mode = st.mode & 0o7777;
      if (st.isSymbolicLink())
        out.set(r, { type: "symlink", mode: 0o777, target: readlinkSync(join(root, r)) });
      else if (st.isDirectory()) {
        out.set(r, { type: "directory", mode });
        walk(r);
      } else if (st.isFile()) out.set(r, { type: "file", mode, content: readFileSync(join(root, r)) });
    }
  };
  walk("");
  return out;
}

function same(a, b) {
  if (!a || !b || a.type !== b.type || a.mode !== b.mode) return false;
  if (a.type === "file") return a.content.equals(b.content);
  if (a.type === "symlink") return a.target === b.target;
  return true;
}

async function tarOf(entries) {
  const pack = tarStream.pack();
  const chunks = [];
  pack.on("data", (c) => chunks.push(c));
  const done = new Promise((resolve, reject) => {
    pack.on("end", resolve);
    pack.on("error", reject);
  });
  for (const e of entries) {
    const header = {
      name: e.name,
      mode: e.mode,
      mtime,
      uid: 0,
      gid: 0,
      uname: "root",
      gname: "root",
      type: e.type,
    };
    if (e.type === "symlink") header.linkname = e.target;
    await new Promise((resolve, reject) => {
      const cb = (err) => (err ? reject(err) : resolve());
      if (e.type === "file") pack.entry({ ...header, size: e.content.length }, e.content, cb);
      else pack.entry(header, cb);
    });
  }
  pack.finalize();
  await done;
  return Buffer.concat(chunks);
}

const sha = (b) => `sha256:${createHash("sha256").update(b).digest("hex")}`;

function putBlob(b) {
  const d = sha(b);
  writeFileSync(join(spec.out, "blobs", "sha256", d.slice(7)), b);
  return d;
}

rmSync(spec.out, { recursive: true, force: true });
mkdirSync(join(spec.out, "blobs", "sha256"), { recursive: true });

let prev = new Map();
const layers = [];
for (const stage of spec.stages) {
  const cur = scan(stage.dir);
  const entries = [];
  for (const [p, e] of cur)
    if (!same(prev.get(p), e)) entries.push({ name: e.type === "directory" ? `${p}/` : p, ...e });
  for (const p of [...prev.keys()].filter((k) => !cur.has(k)).sort()) {
    const parent = p.split("/").slice(0, -1).join("/");
    if (parent && !cur.has(parent)) continue; // the parent's whiteout covers it
    const base = p.split("/").pop();
    entries.push({
      name: parent ? `${parent}/.wh.${base}` : `.wh.${base}`,
      type: "file",
      mode: 0o644,
      content: Buffer.alloc(0),
    });
  }
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const tar = await tarOf(entries);
  const gz = gzipSync(tar, { level: 9 });
  layers.push({
    diffId: sha(tar),
    digest: putBlob(gz),
    size: gz.length,
    createdBy: stage.createdBy,
    entries: entries.length,
  });
  prev = cur;
}

const config = {
  created: spec.created,
  architecture: "amd64",
  os: "linux",
  config: spec.config,
  rootfs: { type: "layers", diff_ids: layers.map((l) => l.diffId) },
  history: layers.map((l) => ({ created: spec.created, created_by: l.createdBy })),
};
const configBytes = Buffer.from(JSON.stringify(config));
const configDigest = putBlob(configBytes);
const manifest = {
  schemaVersion: 2,
  mediaType: "application/vnd.oci.image.manifest.v1+json",
  config: {
    mediaType: "application/vnd.oci.image.config.v1+json",
    digest: configDigest,
    size: configBytes.length,
  },
  layers: layers.map((l) => ({
    mediaType: "application/vnd.oci.image.layer.v1.tar+gzip",
    digest: l.digest,
    size: l.size,
  })),
};
const manifestBytes = Buffer.from(JSON.stringify(manifest));
const manifestDigest = putBlob(manifestBytes);
const index = {
  schemaVersion: 2,
  mediaType: "application/vnd.oci.image.index.v1+json",
  manifests: [
    {
      mediaType: "application/vnd.oci.image.manifest.v1+json",
      digest: manifestDigest,
      size: manifestBytes.length,
      platform: { architecture: "amd64", os: "linux" },
      annotations: {
        "org.opencontainers.image.ref.name": spec.refName,
        "io.containerd.image.name": spec.imageName,
      },
    },
  ],
};
writeFileSync(join(spec.out, "index.json"), `${JSON.stringify(index, null, 2)}\n`);
writeFileSync(join(spec.out, "oci-layout"), `${JSON.stringify({ imageLayoutVersion: "1.0.0" })}\n`);
for (const [i, l] of layers.entries()) {
  process.stdout.write(`layer ${i}: ${l.entries} entries, ${l.size} bytes gzip, ${l.diffId}\n`);
}
process.stdout.write(`manifest ${manifestDigest}\n`);
