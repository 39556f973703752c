/**
 * What `vigil cache df` shows and `vigil cache prune` removes: the SBOM cache (`sboms/`), the per-layer
 * cache (`layers/`, written by the layer walk) and temporary files (`tmp/`) under Vigil's cache dir.
 */
import { readdir, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import { directoryUsage, listCachedSboms, sbomCacheDir } from "./cache.js";

/** Bytes in decimal units, as `docker scout cache df` prints them: `21 kB`, `1.0 MB`, `4 MB`. */
export function humanBytes(n: number): string {
  const units = ["B", "kB", "MB", "GB", "TB"];
  let v = n;
  let u = 0;
  while (v >= 1000 && u < units.length - 1) {
    v /= 1000;
    u++;
  }
  if (u === 0) return `${n} B`;
  return `${v < 10 ? v.toFixed(1) : Math.round(v)} ${units[u]}`;
}

export function layerCacheDir(base: string): string {
  return join(base, "layers");
}

export function tempDir(base: string): string {
  return join(base, "tmp");
}

interface Row {
  key: string;
  size: number;
}

function table(title: string, rows: Row[], sizeTitle: string): string[] {
  const keyW = Math.max(title.length, ...rows.map((r) => r.key.length));
  const sizes = rows.map((r) => humanBytes(r.size));
  const sizeW = Math.max(sizeTitle.length, ...sizes.map((s) => s.length));
  const left = Math.floor((keyW - title.length) / 2);
  const lines = [
    `  ${(" ".repeat(left) + title).padEnd(keyW)} │ ${sizeTitle}`,
    `${"─".repeat(keyW + 3)}┼${"─".repeat(sizeW + 2)}`,
  ];
  rows.forEach((r, i) => {
    lines.push(`  ${r.key.padEnd(keyW)} │ ${sizes[i]}`);
  });
  return lines;
}

/** Top-level entries of a directory with their total sizes. */
async function entriesOf(dir: string): Promise<Row[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return [];
  }
  const rows: Row[] = [];
  for (const name of names.sort()) {
    const p = join(dir, name);
    try {
      const st = await stat(p);
      const size = st.isDirectory() ? (await directoryUsage(p)).bytes : st.size;
      rows.push({ key: name.replace(/\.(json|bin|cache|layer)$/, ""), size });
    } catch {
      // vanished meanwhile
    }
  }
  return rows;
}

export async function renderCacheUsage(base: string): Promise<string> {
  const out: string[] = [];
  const sbomDir = sbomCacheDir(base);
  const sboms = await listCachedSboms(sbomDir);
  out.push("Vigil cached SBOMs are located at:", `   ${sbomDir}`);
  out.push("   this path can be configured using the VIGIL_CACHE_DIR environment variable", "");
  if (sboms.length === 0) out.push("  No cached SBOMs");
  else {
    out.push(
      ...table(
        "Image Digest",
        sboms.map((s) => ({ key: `${s.imageDigest}  (indexer ${s.indexerVersion})`, size: s.size })),
        "Size of SBOM",
      ),
    );
    out.push("", `Total: ${humanBytes(sboms.reduce((s, e) => s + e.size, 0))}`);
  }
  const layerDir = layerCacheDir(base);
  const layers = await entriesOf(layerDir);
  out.push("", "", "Vigil per-layer cache (temporary data) is located at:", `   ${layerDir}`, "");
  if (layers.length === 0) out.push("  No cached layers");
  else {
    out.push(...table("Layer", layers, "Size"));
    out.push("", `Total: ${humanBytes(layers.reduce((s, e) => s + e.size, 0))}`);
  }
  const tmp = await directoryUsage(tempDir(base));
  if (tmp.files > 0) {
    out.push("", "", `Temporary files: ${tmp.files} in ${tempDir(base)}, ${humanBytes(tmp.bytes)}`);
  }
  return `${out.join("\n")}\n`;
}

export async function pruneCaches(
  base: string,
  opts: { sboms: boolean },
): Promise<{ layerEntries: number; sboms: number }> {
  const layerDir = layerCacheDir(base);
  const layerEntries = (await entriesOf(layerDir)).length;
  await rm(layerDir, { recursive: true, force: true });
  await rm(tempDir(base), { recursive: true, force: true });
  let sboms = 0;
  if (opts.sboms) {
    const dir = sbomCacheDir(base);
    sboms = (await listCachedSboms(dir)).length;
    await rm(dir, { recursive: true, force: true });
  }
  return { layerEntries, sboms };
}
