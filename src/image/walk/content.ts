/** Captured file contents: in memory, or a byte range of a local file (spill file, archive, cache entry). */
import { closeSync, openSync, readSync } from "node:fs";
import type { FileRef } from "../../catalog/types.js";
import { VigilError } from "../../core/errors.js";

export type Content =
  | { kind: "buf"; data: Buffer }
  | { kind: "file"; path: string; offset: number; length: number }
  | PartialContent;

/**
 * The parts of a file that its catalogers read (`Cataloger.partial`), kept by a streaming layer walk
 * instead of the whole file; a read outside them goes through `whole`, which re-reads the file from its
 * layer (set by the walk, memoised per layer).
 */
export interface PartialContent {
  kind: "partial";
  /** Size of the whole file. */
  size: number;
  /** The kept parts: byte offset in the file and bytes, sorted, not overlapping. */
  pieces: { at: number; data: Content }[];
  /** The path the bytes were read under in their layer's tar (what a re-read looks for). */
  entryPath: string;
  whole?: () => Promise<Content>;
}

export function contentLength(c: Content): number {
  return c.kind === "buf" ? c.data.length : c.kind === "file" ? c.length : c.size;
}

/**
 * Open descriptors of the local files that captured contents point into (an archive, a spill file, a
 * cache entry), kept across reads: a cataloger reading a program's headers makes several small reads of
 * one file, and an open + read + close round trip through the thread pool each time costs far more than a
 * pread of bytes the page cache already holds. Least recently used first; closed by closeContentFiles.
 */
const MAX_OPEN = 16;
const openFds = new Map<string, number>();

function fdFor(path: string): number {
  const fd = openFds.get(path);
  if (fd !== undefined) {
    openFds.delete(path);
    openFds.set(path, fd);
    return fd;
  }
  if (openFds.size >= MAX_OPEN) {
    const [oldPath, oldFd] = openFds.entries().next().value as [string, number];
    openFds.delete(oldPath);
    closeSync(oldFd);
  }
  const nfd = openSync(path, "r");
  openFds.set(path, nfd);
  return nfd;
}

/** Close the descriptors readContent keeps open (the walk's dispose calls this). */
export function closeContentFiles(): void {
  for (const fd of openFds.values()) {
    try {
      closeSync(fd);
    } catch {}
  }
  openFds.clear();
}

async function readFileRange(path: string, offset: number, length: number): Promise<Buffer> {
  if (length === 0) return Buffer.alloc(0);
  const fd = fdFor(path);
  const buf = Buffer.allocUnsafe(length);
  let got = 0;
  while (got < length) {
    const n = readSync(fd, buf, got, length - got, offset + got);
    if (n === 0) throw new VigilError("CORRUPT", `${path}: file shrank while reading captured content`);
    got += n;
  }
  return buf;
}

export async function readContent(c: Content, start = 0, end?: number): Promise<Buffer> {
  const len = contentLength(c);
  const s = Math.max(0, Math.min(start, len));
  const e = Math.max(s, Math.min(end ?? len, len));
  if (c.kind === "buf") return c.data.subarray(s, e);
  if (c.kind === "partial") {
    if (s === e) return Buffer.alloc(0);
    for (const p of c.pieces) {
      if (s >= p.at && e <= p.at + contentLength(p.data)) return readContent(p.data, s - p.at, e - p.at);
    }
    if (!c.whole) {
      throw new VigilError(
        "INTERNAL",
        `${c.entryPath}: only parts of the file were kept, and it cannot be read again`,
      );
    }
    return readContent(await c.whole(), s, e);
  }
  // Whole files (spilled, or of a root filesystem) too: a read through the thread pool costs a round trip
  // of the event loop, and catalogers read hundreds of small files one after another.
  return readFileRange(c.path, c.offset + s, e - s);
}

export function fileRef(path: string, layerIndex: number, c: Content, mode?: number): FileRef {
  const size = contentLength(c);
  return {
    path,
    size,
    layerIndex,
    ...(mode !== undefined ? { mode } : {}),
    contentId: c,
    read: () => readContent(c),
    readRange: (start: number, end: number) => readContent(c, start, end),
  };
}
