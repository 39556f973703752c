import type { FileRef } from "../types.js";

/** A FileRef over bytes already in memory (tests, fs:// inputs, re-reads of cached content). */
export function memoryFileRef(path: string, content: Buffer | string, layerIndex = -1): FileRef {
  const buf = typeof content === "string" ? Buffer.from(content) : content;
  return {
    path,
    size: buf.length,
    layerIndex,
    read: async () => buf,
    readRange: async (start, end) => buf.subarray(Math.max(0, start), Math.min(buf.length, end)),
  };
}
