import type { FileRef } from "../types.js";

/**
 * Random access to bytes: a captured file, a buffer, or a slice of another source (a stored entry of a
 * zip inside a zip). Readers of binaries and archives go through this so that only the bytes they need
 * are read.
 */
export interface ByteSource {
  readonly size: number;
  /** Bytes [start, end), clamped to the source; shorter than asked only at the end of the source. */
  read(start: number, end: number): Promise<Buffer>;
}

const fileSources = new WeakMap<object, ByteSource>();

/**
 * The source of a captured file: one per content (a file and the links to it share theirs), so that what
 * is parsed from it (a program's section table, an archive's directory) is parsed once.
 */
export function fileRefSource(file: FileRef): ByteSource {
  const key = file.contentId ?? file;
  let src = fileSources.get(key);
  if (!src) {
    src = newFileRefSource(file);
    fileSources.set(key, src);
  }
  return src;
}

function newFileRefSource(file: FileRef): ByteSource {
  return {
    size: file.size,
    read(start, end) {
      const s = Math.max(0, Math.min(start, file.size));
      const e = Math.max(s, Math.min(end, file.size));
      if (e === s) return Promise.resolve(Buffer.alloc(0));
      return file.readRange(s, e);
    },
  };
}

export function bufferSource(buf: Buffer): ByteSource {
  return {
    size: buf.length,
    read(start, end) {
      const s = Math.max(0, Math.min(start, buf.length));
      const e = Math.max(s, Math.min(end, buf.length));
      return Promise.resolve(buf.subarray(s, e));
    },
  };
}

/** `length` bytes of `parent` starting at `offset` (must lie inside the parent). */
export function sliceSource(parent: ByteSource, offset: number, length: number): ByteSource {
  if (offset < 0 || length < 0 || offset + length > parent.size) {
    throw new RangeError(`slice [${offset}, ${offset + length}) outside a source of ${parent.size} bytes`);
  }
  return {
    size: length,
    read(start, end) {
      const s = Math.max(0, Math.min(start, length));
      const e = Math.max(s, Math.min(end, length));
      if (e === s) return Promise.resolve(Buffer.alloc(0));
      return parent.read(offset + s, offset + e);
    },
  };
}
