/**
 * Where the files of a local image live: a directory (OCI layout) or an uncompressed tarball
 * (docker save, OCI archive), indexed once by seeking from header to header.
 */
import { createReadStream } from "node:fs";
import { open, readFile, stat } from "node:fs/promises";
import { join, posix } from "node:path";
import { Readable } from "node:stream";
import { VigilError } from "../core/errors.js";
import { seekTarEntries } from "./tar-seek.js";
import type { LayerFileRange } from "./types.js";

/** Max size of a JSON document (index, manifest, config) read into memory. */
export const MAX_JSON_SIZE = 32 * 1024 * 1024;

export interface BlobStore {
  /** Human name for errors. */
  readonly describe: string;
  /** Range of a file (relative path, "/"-separated), or undefined if absent. */
  locate(relPath: string): Promise<LayerFileRange | undefined>;
  /** Whole small file (JSON); undefined if absent. */
  read(relPath: string, maxSize?: number): Promise<Buffer | undefined>;
  /** Stream of a file. */
  open(relPath: string): Promise<Readable>;
  /** All file names (for detection). */
  list(): Promise<string[]>;
}

export function blobPath(digest: string): string {
  const m = /^([a-z0-9]+(?:[.+_-][a-z0-9]+)*):([a-zA-Z0-9=_-]+)$/.exec(digest);
  if (!m) throw new VigilError("IMAGE_FORMAT", `invalid digest ${JSON.stringify(digest)}`);
  return `blobs/${m[1]}/${m[2]}`;
}

function rangeStream(r: LayerFileRange): Readable {
  if (r.length === 0) return Readable.from([]);
  return createReadStream(r.path, {
    start: r.offset,
    end: r.offset + r.length - 1,
    highWaterMark: 1024 * 1024,
  });
}

async function readRange(r: LayerFileRange, what: string, maxSize: number): Promise<Buffer> {
  if (r.length > maxSize) throw new VigilError("LIMIT", `${what} is too large (${r.length} bytes)`);
  const fh = await open(r.path, "r");
  try {
    const buf = Buffer.alloc(r.length);
    const { bytesRead } = await fh.read(buf, 0, r.length, r.offset);
    if (bytesRead !== r.length) throw new VigilError("CORRUPT", `${what} is truncated`);
    return buf;
  } finally {
    await fh.close();
  }
}

export class DirBlobStore implements BlobStore {
  constructor(readonly root: string) {}
  get describe(): string {
    return this.root;
  }
  private safe(relPath: string): string {
    const norm = posix.normalize(relPath);
    if (norm.startsWith("..") || posix.isAbsolute(norm)) {
      throw new VigilError("UNSAFE_PATH", `${this.root}: path ${JSON.stringify(relPath)} escapes the layout`);
    }
    return join(this.root, norm);
  }
  async locate(relPath: string): Promise<LayerFileRange | undefined> {
    const p = this.safe(relPath);
    try {
      const st = await stat(p);
      if (!st.isFile()) return undefined;
      return { path: p, offset: 0, length: st.size };
    } catch {
      return undefined;
    }
  }
  async read(relPath: string, maxSize = MAX_JSON_SIZE): Promise<Buffer | undefined> {
    const r = await this.locate(relPath);
    if (!r) return undefined;
    if (r.length > maxSize) throw new VigilError("LIMIT", `${r.path} is too large (${r.length} bytes)`);
    return readFile(r.path);
  }
  async open(relPath: string): Promise<Readable> {
    const r = await this.locate(relPath);
    if (!r) throw new VigilError("NOT_FOUND", `${this.root}: ${relPath} not found`);
    return rangeStream(r);
  }
  async list(): Promise<string[]> {
    return [];
  }
}

/** Normalise a tar member name ("./blobs/sha256/x" → "blobs/sha256/x"). */
function memberName(name: string): string {
  let n = name.replace(/^\.\/+/, "").replace(/^\/+/, "");
  n = posix.normalize(n);
  if (n === ".") return "";
  return n.replace(/\/$/, "");
}

export class TarBlobStore implements BlobStore {
  private constructor(
    readonly file: string,
    private readonly members: Map<string, { offset: number; length: number; linkTo?: string }>,
  ) {}

  static async index(file: string, maxEntries: number): Promise<TarBlobStore> {
    const st = await stat(file);
    const members = new Map<string, { offset: number; length: number; linkTo?: string }>();
    let n = 0;
    for (const e of seekTarEntries(file, 0, st.size, file)) {
      if (++n > maxEntries) throw new VigilError("LIMIT", `${file}: more than ${maxEntries} tar entries`);
      const name = memberName(e.name);
      if (e.type === "file") members.set(name, { offset: e.dataOffset, length: e.size });
      else if (e.type === "hardlink" || e.type === "symlink") {
        // docker save links identical layers (`<id>/layer.tar -> ../<other>/layer.tar`).
        const target =
          e.type === "symlink"
            ? posix.normalize(posix.join(posix.dirname(name), e.linkname ?? ""))
            : e.linkname;
        members.set(name, { offset: 0, length: 0, linkTo: memberName(target ?? "") });
      }
    }
    return new TarBlobStore(file, members);
  }

  get describe(): string {
    return this.file;
  }
  async locate(relPath: string): Promise<LayerFileRange | undefined> {
    let name = memberName(relPath);
    for (let hops = 0; hops < 8; hops++) {
      const m = this.members.get(name);
      if (!m) return undefined;
      if (m.linkTo === undefined) return { path: this.file, offset: m.offset, length: m.length };
      name = m.linkTo;
    }
    return undefined;
  }
  async read(relPath: string, maxSize = MAX_JSON_SIZE): Promise<Buffer | undefined> {
    const r = await this.locate(relPath);
    if (!r) return undefined;
    return readRange(r, `${this.file}: ${relPath}`, maxSize);
  }
  async open(relPath: string): Promise<Readable> {
    const r = await this.locate(relPath);
    if (!r) throw new VigilError("NOT_FOUND", `${this.file}: ${relPath} not found in the archive`);
    return rangeStream(r);
  }
  async list(): Promise<string[]> {
    return [...this.members.keys()];
  }
}
