/**
 * Test support for the language catalogers (npm, PyPI, RubyGems, Composer, NuGet): turns real files on
 * disk into FileRefs at chosen image paths, and runs a cataloger the way the indexer does (only the
 * files its `wants` accepts, `exists` answered from the same virtual filesystem). Tests only.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, posix } from "node:path";
import type { Logger } from "../core/logger.js";
import type { Cataloger, CatalogResult, FileRef } from "./types.js";

export interface VirtualFile {
  /** Absolute image path. */
  path: string;
  /** Real file on disk, or literal content. */
  source: string | Buffer;
  layerIndex?: number;
}

/** A FileRef over a real file or an in-memory buffer. */
export function fileRef(f: VirtualFile): FileRef {
  const load = (): Buffer => (typeof f.source === "string" ? readFileSync(f.source) : f.source);
  const size = typeof f.source === "string" ? statSync(f.source).size : f.source.length;
  return {
    path: f.path,
    size,
    layerIndex: f.layerIndex ?? 0,
    read: async () => load(),
    readRange: async (start, end) => load().subarray(start, end),
  };
}

/** Every regular file under `root`, mapped to `${imagePrefix}/<relative path>`. */
export function filesFromDir(root: string, imagePrefix: string, layerIndex = 0): VirtualFile[] {
  const out: VirtualFile[] = [];
  const walk = (dir: string, rel: string): void => {
    for (const ent of readdirSync(dir, { withFileTypes: true })) {
      const abs = join(dir, ent.name);
      const relPath = rel ? `${rel}/${ent.name}` : ent.name;
      if (ent.isDirectory()) walk(abs, relPath);
      else if (ent.isFile()) out.push({ path: posix.join(imagePrefix, relPath), source: abs, layerIndex });
    }
  };
  walk(root, "");
  return out;
}

export function silentLogger(): Logger {
  const warnings: string[] = [];
  return { warnings, progress() {}, warn: (m) => warnings.push(m), debug() {} };
}

/** Run a cataloger over a virtual filesystem; `extraPaths` exist but are not files (directories, other files). */
export async function runCataloger(
  cataloger: Cataloger,
  files: VirtualFile[],
  extraPaths: string[] = [],
): Promise<CatalogResult> {
  const existing = new Set<string>();
  for (const p of [...files.map((f) => f.path), ...extraPaths]) {
    let cur = p;
    while (cur !== "/" && cur !== "" && !existing.has(cur)) {
      existing.add(cur);
      cur = posix.dirname(cur);
    }
  }
  const wanted = files.map(fileRef).filter((f) => cataloger.wants(f.path, f.size));
  return cataloger.catalog({
    files: wanted,
    exists: (p) => p === "/" || existing.has(p),
    logger: silentLogger(),
  });
}
