/**
 * The whole-SBOM cache: one JSON file per (image digest, indexer version) under
 * `${cacheDir()}/sboms/`. Writes are atomic (temp file + rename); an entry that cannot be read or does
 * not match its key is ignored (and removed), never trusted.
 */
import { randomBytes } from "node:crypto";
import { mkdir, open, readdir, readFile, rename, rm, stat, unlink, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { collate } from "../core/collate.js";
import { cacheDir } from "../core/paths.js";
import { SBOM_SCHEMA_VERSION, type Sbom } from "./model.js";

export interface SbomCacheKey {
  /** Manifest digest (or the config digest for archives without one): `sha256:<hex>`. */
  imageDigest: string;
  /** The indexer version (Vigil version + catalogers' versions). */
  indexerVersion: string;
}

export interface CachedSbomEntry {
  imageDigest: string;
  indexerVersion: string;
  path: string;
  size: number;
  modified: Date;
}

const DIGEST_RE = /^(sha256|sha512):([a-f0-9]{64}|[a-f0-9]{128})$/;

export function sbomCacheDir(base: string = cacheDir()): string {
  return join(base, "sboms");
}

/** A file-name-safe version string. */
function safeVersion(v: string): string {
  return v.replace(/[^A-Za-z0-9.+-]/g, "_");
}

/** Path of the cache entry for a key; undefined when the digest is not a well-formed digest. */
export function sbomCachePath(key: SbomCacheKey, dir: string = sbomCacheDir()): string | undefined {
  const m = DIGEST_RE.exec(key.imageDigest);
  if (!m) return undefined;
  return join(dir, `${m[1]}-${m[2]}_${safeVersion(key.indexerVersion)}.json`);
}

/**
 * Write a file atomically: a temp file beside it, fsync'd, renamed over the target. A target that exists
 * and is not a regular file (`/dev/null`, `/dev/stdout`, a FIFO) is written in place: renaming over it
 * would replace a device with a plain file. `durable: false` skips the fsync, for cache entries: they
 * are validated when read, and one lost to a crash costs a re-index, while an fsync after a cold index
 * waits for the filesystem to commit the layer cache written just before (40 ms on a VM's disk).
 */
export async function writeFileAtomic(
  path: string,
  data: string | Buffer,
  opts: { durable?: boolean } = {},
): Promise<void> {
  await (await stageFileAtomic(path, data, opts)).commit();
}

/** A file written under a temporary name, not yet where readers look for it. */
export interface StagedFile {
  /** Rename it over its target (a non-regular target is written in place now). Once only. */
  commit(): Promise<void>;
  /** Remove the temporary file. Once only, instead of commit. */
  discard(): Promise<void>;
}

/**
 * The first half of `writeFileAtomic`: the data goes to a temp file beside `path` (fsync'd unless
 * `durable: false`), and `commit()` renames it over `path`. Lets a caller write while it waits for a
 * check the data must pass, and publish it (one rename) or discard it once the check is done.
 */
export async function stageFileAtomic(
  path: string,
  data: string | Buffer,
  opts: { durable?: boolean } = {},
): Promise<StagedFile> {
  let done = false;
  const once = () => {
    if (done) throw new Error(`${path}: staged file already committed or discarded`);
    done = true;
  };
  const st = await stat(path).catch(() => undefined);
  if (st && !st.isFile() && !st.isDirectory()) {
    return {
      commit: async () => {
        once();
        await writeFile(path, data);
      },
      discard: async () => once(),
    };
  }
  await mkdir(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`;
  const fh = await open(tmp, "wx", 0o644);
  try {
    await fh.writeFile(data);
    if (opts.durable !== false) await fh.sync();
  } catch (e) {
    await fh.close().catch(() => {});
    await unlink(tmp).catch(() => {});
    throw e;
  }
  await fh.close();
  return {
    commit: async () => {
      once();
      try {
        await rename(tmp, path);
      } catch (e) {
        await unlink(tmp).catch(() => {});
        throw e;
      }
    },
    discard: async () => {
      once();
      await unlink(tmp).catch(() => {});
    },
  };
}

function looksLikeSbom(v: unknown, key: SbomCacheKey): v is Sbom {
  if (typeof v !== "object" || v === null) return false;
  const s = v as Partial<Sbom>;
  return (
    s.schemaVersion === SBOM_SCHEMA_VERSION &&
    s.generator?.indexerVersion === key.indexerVersion &&
    Array.isArray(s.packages) &&
    typeof s.image === "object" &&
    s.image !== null &&
    Array.isArray(s.image.layers) &&
    (s.image.digest === key.imageDigest || s.image.configDigest === key.imageDigest)
  );
}

export interface CacheIo {
  dir?: string;
  /** Told about entries that were ignored (corrupt, mismatched). */
  onIgnored?(path: string, why: string): void;
}

/** The cached SBOM for a key, or undefined (missing, unreadable, corrupt or for another key). */
export async function readCachedSbom(key: SbomCacheKey, io: CacheIo = {}): Promise<Sbom | undefined> {
  const path = sbomCachePath(key, io.dir);
  if (!path) return undefined;
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch {
    return undefined;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    io.onIgnored?.(path, "not valid JSON");
    await rm(path, { force: true }).catch(() => {});
    return undefined;
  }
  if (!looksLikeSbom(parsed, key)) {
    io.onIgnored?.(path, "does not match its key");
    await rm(path, { force: true }).catch(() => {});
    return undefined;
  }
  return parsed;
}

/** Store an SBOM under its key (atomic; a failure to write the cache is reported, not fatal). */
export async function writeCachedSbom(
  key: SbomCacheKey,
  sbom: Sbom,
  io: CacheIo = {},
): Promise<string | undefined> {
  const staged = await stageCachedSbom(key, sbom, io);
  if (!staged) return undefined;
  await staged.commit();
  return staged.path;
}

/**
 * `writeCachedSbom` in two steps: the entry is written under a temporary name now, and becomes an entry
 * on `commit()` (a rename). The indexer stages the SBOM while the layers' digest checks finish, and
 * commits it only once they have passed. Undefined when the key's digest is not well-formed.
 */
export async function stageCachedSbom(
  key: SbomCacheKey,
  sbom: Sbom,
  io: CacheIo = {},
): Promise<(StagedFile & { path: string }) | undefined> {
  const path = sbomCachePath(key, io.dir);
  if (!path) return undefined;
  return { ...(await stageFileAtomic(path, JSON.stringify(sbom), { durable: false })), path };
}

/** Every entry of the SBOM cache (newest first). */
export async function listCachedSboms(dir: string = sbomCacheDir()): Promise<CachedSbomEntry[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return [];
  }
  const out: CachedSbomEntry[] = [];
  for (const name of names) {
    const m = /^(sha256|sha512)-([a-f0-9]+)_(.+)\.json$/.exec(name);
    if (!m) continue;
    const path = join(dir, name);
    try {
      const st = await stat(path);
      if (!st.isFile()) continue;
      out.push({
        imageDigest: `${m[1]}:${m[2]}`,
        indexerVersion: m[3]!,
        path,
        size: st.size,
        modified: st.mtime,
      });
    } catch {
      // vanished meanwhile
    }
  }
  return out.sort((a, b) => b.modified.getTime() - a.modified.getTime() || collate(a.path, b.path));
}

/** Total size in bytes and number of files under a directory (0 when it does not exist). Symlinks are not followed. */
export async function directoryUsage(dir: string): Promise<{ bytes: number; files: number }> {
  let bytes = 0;
  let files = 0;
  const stack = [dir];
  while (stack.length) {
    const d = stack.pop()!;
    let entries: import("node:fs").Dirent[];
    try {
      entries = await readdir(d, { withFileTypes: true });
    } catch {
      continue;
    }
    for (const e of entries) {
      const p = join(d, e.name);
      if (e.isDirectory()) stack.push(p);
      else if (e.isFile()) {
        try {
          bytes += (await stat(p)).size;
          files++;
        } catch {
          // vanished meanwhile
        }
      }
    }
  }
  return { bytes, files };
}

/** Remove every cached SBOM; returns how many entries were removed. */
export async function pruneSboms(dir: string = sbomCacheDir()): Promise<number> {
  const entries = await listCachedSboms(dir);
  await rm(dir, { recursive: true, force: true });
  return entries.length;
}
