/** Captured file contents: in memory, or a byte range of a local file (spill file, archive, cache entry). */
import { open, readFile } from "node:fs/promises";
import type { FileRef } from "../../catalog/types.js";
import { VigilError } from "../../core/errors.js";

export type Content =
  | { kind: "buf"; data: Buffer }
  | { kind: "file"; path: string; offset: number; length: number };

export function contentLength(c: Content): number {
  return c.kind === "buf" ? c.data.length : c.length;
}

async function readFileRange(path: string, offset: number, length: number): Promise<Buffer> {
  if (length === 0) return Buffer.alloc(0);
  const fh = await open(path, "r");
  try {
    const buf = Buffer.allocUnsafe(length);
    let got = 0;
    while (got < length) {
      const { bytesRead } = await fh.read(buf, got, length - got, offset + got);
      if (bytesRead === 0)
        throw new VigilError("CORRUPT", `${path}: file shrank while reading captured content`);
      got += bytesRead;
    }
    return buf;
  } finally {
    await fh.close();
  }
}

export async function readContent(c: Content, start = 0, end?: number): Promise<Buffer> {
  const len = contentLength(c);
  const s = Math.max(0, Math.min(start, len));
  const e = Math.max(s, Math.min(end ?? len, len));
  if (c.kind === "buf") return c.data.subarray(s, e);
  if (s === 0 && e === len && c.offset === 0) {
    // Whole-file reads of spilled/rootfs files.
    const data = await readFile(c.path).catch(() => undefined);
    if (data && data.length === len) return data;
  }
  return readFileRange(c.path, c.offset + s, e - s);
}

export function fileRef(path: string, layerIndex: number, c: Content, mode?: number): FileRef {
  const size = contentLength(c);
  return {
    path,
    size,
    layerIndex,
    ...(mode !== undefined ? { mode } : {}),
    read: () => readContent(c),
    readRange: (start: number, end: number) => readContent(c, start, end),
  };
}
