/** Compression sniffing (magic bytes, not media types) and streaming decompressors. */
import { Transform, type TransformCallback } from "node:stream";
import { createGunzip, createInflateRaw, type InflateRaw } from "node:zlib";

export type Compression = "gzip" | "zstd" | "none";

export function sniffCompression(head: Uint8Array): Compression {
  if (head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b) return "gzip";
  if (head.length >= 4 && head[0] === 0x28 && head[1] === 0xb5 && head[2] === 0x2f && head[3] === 0xfd)
    return "zstd";
  return "none";
}

/** fzstd, loaded on the first zstd layer (most images have none; start-up stays lean). */
let fzstd: Promise<typeof import("fzstd")> | undefined;

/** zstd via fzstd (pure JS; Node 20's zlib has no zstd). Each output block is freshly allocated. */
class ZstdDecompress extends Transform {
  private d: import("fzstd").Decompress | undefined;
  constructor() {
    super({ readableHighWaterMark: 1024 * 1024 });
  }
  private async decoder(): Promise<import("fzstd").Decompress> {
    if (!this.d) {
      const { Decompress } = await (fzstd ??= import("fzstd"));
      this.d ??= new Decompress((chunk) => {
        if (chunk.length > 0) this.push(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
      });
    }
    return this.d;
  }
  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.decoder().then(
      (d) => {
        try {
          d.push(chunk);
          cb();
        } catch (e) {
          cb(new Error(`zstd: ${(e as Error).message || "invalid data"}`));
        }
      },
      (e: unknown) => cb(e as Error),
    );
  }
  override _flush(cb: TransformCallback): void {
    this.decoder().then(
      (d) => {
        try {
          d.push(new Uint8Array(0), true);
          cb();
        } catch (e) {
          cb(new Error(`zstd: ${(e as Error).message || "unexpected end of data"}`));
        }
      },
      (e: unknown) => cb(e as Error),
    );
  }
}

/**
 * zlib's output chunk. Each chunk is one round trip between the thread pool and this thread, with a
 * fixed cost of its own: 1 MiB chunks inflate the bench image's layers in 0.70 s against 0.90 s with
 * 256 KiB ones (bare parallel inflate, 2 cores), and the ~1 GB image indexes ~10 % faster, with the
 * same peak RSS (within the run-to-run spread of ±5 MiB).
 */
const GZIP_CHUNK = 1024 * 1024;

/**
 * A streaming decompressor. `digestChecked`: the caller checks the uncompressed bytes with SHA-256 (a
 * layer against its diffID), so gzip's CRC-32 is left out (`GzipMembers`); otherwise (a compressed
 * image tarball, whose `index.json` and `manifest.json` no digest covers) zlib's gunzip checks it.
 */
export function createDecompressor(
  kind: Exclude<Compression, "none">,
  opts: { digestChecked?: boolean } = {},
): Transform {
  if (kind === "gzip")
    return opts.digestChecked ? new GzipMembers() : createGunzip({ chunkSize: GZIP_CHUNK });
  return new ZstdDecompress();
}

/** A zlib-style error (its `code` tells the layer walk that the gzip data is at fault). */
function zlibError(message: string, code = "Z_DATA_ERROR"): Error {
  return Object.assign(new Error(message), { code });
}

/** A member header longer than this (a file name or comment without end) is refused. */
const MAX_GZIP_HEADER = 64 * 1024;

/**
 * The length of the gzip member header at the start of `b`, or -1 when `b` ends inside it. Throws
 * zlib's errors (code Z_DATA_ERROR) for a header zlib would refuse.
 *
 * Self-contained (no outer names, plain JS once its types are stripped): the inflate worker runs this
 * very function, from its source text (worker-pool.ts).
 */
export function gzipHeaderLength(b: Buffer): number {
  const bad = (message: string) => Object.assign(new Error(message), { code: "Z_DATA_ERROR" });
  const FHCRC = 0x02;
  const FEXTRA = 0x04;
  const FNAME = 0x08;
  const FCOMMENT = 0x10;
  const RESERVED = 0xe0;
  if (b.length >= 1 && b[0] !== 0x1f) throw bad("incorrect header check");
  if (b.length >= 2 && b[1] !== 0x8b) throw bad("incorrect header check");
  if (b.length >= 3 && b[2] !== 8) throw bad("unknown compression method");
  if (b.length >= 4 && ((b[3] as number) & RESERVED) !== 0) throw bad("unknown header flags set");
  if (b.length < 10) return -1;
  const flags = b[3] as number;
  let o = 10;
  if (flags & FEXTRA) {
    if (b.length < o + 2) return -1;
    o += 2 + b.readUInt16LE(o);
  }
  for (const f of [FNAME, FCOMMENT]) {
    if (!(flags & f)) continue;
    const nul = b.indexOf(0, o);
    if (nul < 0) return -1;
    o = nul + 1;
  }
  if (flags & FHCRC) o += 2;
  return b.length >= o ? o : -1;
}

/**
 * gunzip without zlib's CRC-32: each member's header is parsed here and its deflate data inflated raw,
 * then the trailer's length is checked. The CRC-32 of the uncompressed bytes cost a quarter of the
 * inflating's CPU (zlib's table-driven crc32 in Node 20), and the layer walk checks those bytes against
 * the config's diffID with SHA-256 anyway (a blob's own digest covers its compressed bytes). Members
 * follow one another as in `gunzip`; after the last, anything not starting with 0x1f is ignored, as
 * Node's gunzip does. Errors carry zlib's codes and messages ("incorrect header check", "unexpected end
 * of file", "incorrect length check"; corrupt deflate data: zlib's own error).
 */
export class GzipMembers extends Transform {
  private state: "header" | "body" | "trailer" | "done" = "header";
  private header: Buffer = Buffer.alloc(0);
  private inflater: InflateRaw | undefined;
  /** Bytes written to the current member's inflater, and bytes it produced. */
  private memberIn = 0;
  private memberOut = 0;
  private readonly trailer = Buffer.alloc(8);
  private trailerFill = 0;
  private members = 0;
  private failed = false;

  constructor() {
    super({ readableHighWaterMark: GZIP_CHUNK });
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.feed(chunk, 0, cb);
  }

  override _flush(cb: TransformCallback): void {
    if (this.state === "done" || (this.state === "header" && this.header.length === 0 && this.members > 0)) {
      cb();
      return;
    }
    cb(zlibError("unexpected end of file", "Z_BUF_ERROR"));
  }

  /** The consumer wants more: let a paused inflater go on. */
  override _read(size: number): void {
    this.inflater?.resume();
    super._read(size);
  }

  override _destroy(err: Error | null, cb: (e: Error | null) => void): void {
    this.dropInflater();
    cb(err);
  }

  private feed(chunk: Buffer, from: number, cb: TransformCallback): void {
    let off = from;
    try {
      while (off < chunk.length) {
        if (this.state === "done") break;
        if (this.state === "header") {
          // After a member, another follows only where gunzip would see one; anything else ends the stream.
          if (this.members > 0 && this.header.length === 0 && chunk[off] !== 0x1f) {
            this.state = "done";
            break;
          }
          const take = chunk.subarray(off, off + MAX_GZIP_HEADER);
          const have = this.header.length === 0 ? take : Buffer.concat([this.header, take]);
          const n = gzipHeaderLength(have);
          if (n < 0) {
            if (have.length >= MAX_GZIP_HEADER) throw zlibError("gzip header too long");
            this.header = Buffer.from(have);
            off += take.length;
            continue;
          }
          off += n - this.header.length;
          this.header = Buffer.alloc(0);
          this.startMember();
          continue;
        }
        if (this.state === "trailer") {
          const n = Math.min(8 - this.trailerFill, chunk.length - off);
          chunk.copy(this.trailer, this.trailerFill, off, off + n);
          this.trailerFill += n;
          off += n;
          if (this.trailerFill < 8) continue;
          if (this.trailer.readUInt32LE(4) !== this.memberOut % 2 ** 32) {
            throw zlibError("incorrect length check");
          }
          this.members++;
          this.state = "header";
          continue;
        }
        // body: the rest of the chunk goes to the inflater; where its deflate stream ends, it stops
        // consuming (Node's zlib then counts only what it consumed in bytesWritten).
        const inflater = this.inflater!;
        const part = off === 0 ? chunk : chunk.subarray(off);
        const before = this.memberIn;
        this.memberIn += part.length;
        inflater.write(part, (err) => {
          if (this.failed || this.destroyed) return;
          if (err) {
            this.failed = true;
            cb(err);
            return;
          }
          if (inflater.bytesWritten < this.memberIn) {
            const used = inflater.bytesWritten - before;
            this.dropInflater();
            this.state = "trailer";
            this.trailerFill = 0;
            this.feed(chunk, off + used, cb);
            return;
          }
          cb();
        });
        return;
      }
    } catch (e) {
      this.failed = true;
      cb(e as Error);
      return;
    }
    // A stream that ended on a member boundary continues with the next chunk's first byte.
    cb();
  }

  private startMember(): void {
    const inflater = createInflateRaw({ chunkSize: GZIP_CHUNK });
    inflater.on("data", (d: Buffer) => {
      this.memberOut += d.length;
      if (!this.push(d)) inflater.pause();
    });
    inflater.on("error", (e: Error) => {
      if (this.failed) return;
      this.failed = true;
      this.destroy(e);
    });
    this.inflater = inflater;
    this.memberIn = 0;
    this.memberOut = 0;
    this.state = "body";
  }

  private dropInflater(): void {
    const i = this.inflater;
    if (!i) return;
    this.inflater = undefined;
    i.removeAllListeners("data");
    i.on("error", () => {}); // a late error of a closed inflater is not ours
    i.close();
  }
}
