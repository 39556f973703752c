/** Compression sniffing (magic bytes, not media types) and streaming decompressors. */
import { Transform, type TransformCallback } from "node:stream";
import { createGunzip } from "node:zlib";
import { Decompress } from "fzstd";

export type Compression = "gzip" | "zstd" | "none";

export function sniffCompression(head: Uint8Array): Compression {
  if (head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b) return "gzip";
  if (head.length >= 4 && head[0] === 0x28 && head[1] === 0xb5 && head[2] === 0x2f && head[3] === 0xfd)
    return "zstd";
  return "none";
}

/** zstd via fzstd (pure JS; Node 20's zlib has no zstd). Each output block is freshly allocated. */
class ZstdDecompress extends Transform {
  private readonly d: Decompress;
  constructor() {
    super({ readableHighWaterMark: 1024 * 1024 });
    this.d = new Decompress((chunk) => {
      if (chunk.length > 0) this.push(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
    });
  }
  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    try {
      this.d.push(chunk);
      cb();
    } catch (e) {
      cb(new Error(`zstd: ${(e as Error).message || "invalid data"}`));
    }
  }
  override _flush(cb: TransformCallback): void {
    try {
      this.d.push(new Uint8Array(0), true);
      cb();
    } catch (e) {
      cb(new Error(`zstd: ${(e as Error).message || "unexpected end of data"}`));
    }
  }
}

export function createDecompressor(kind: Exclude<Compression, "none">): Transform {
  if (kind === "gzip") return createGunzip({ chunkSize: 256 * 1024 });
  return new ZstdDecompress();
}
