/**
 * A streaming tar parser: a Writable that decodes headers (shared with the header-seeking reader) and
 * hands each entry's data to a sink only when the caller asks for it; other data is skipped by
 * counting, with no per-entry stream. It replaces tar-stream's extract in the layer walk, where
 * tar-stream's per-entry streams cost more CPU than gunzip itself on images with many small files.
 */
import { Writable } from "node:stream";
import { VigilError } from "../core/errors.js";
import { decodeHeader, ExtendedHeaders, type HeaderType, isExtended, type TarEntryType } from "./tar-seek.js";

export interface StreamTarEntry {
  name: string;
  type: TarEntryType;
  /** Data size (0 for directories and links without data). */
  size: number;
  mode: number;
  linkname?: string;
}

/** Receives one entry's data; chunks are views valid only during the call. */
export interface EntrySink {
  data(chunk: Buffer): void;
  end(): void;
}

const BLOCK = 512;

export class TarParser extends Writable {
  /** Bytes of tar consumed (for error offsets). */
  private pos = 0;
  private readonly hdr = Buffer.alloc(BLOCK);
  private hdrFill = 0;
  private remaining = 0;
  private pad = 0;
  private sink: EntrySink | undefined;
  private extType: HeaderType | undefined;
  private extChunks: Buffer[] | undefined;
  private readonly ext = new ExtendedHeaders();
  private ended = false;
  private entryStart = 0;

  constructor(
    private readonly describe: string,
    private readonly onEntry: (e: StreamTarEntry) => EntrySink | undefined,
    private readonly onChunk?: (chunk: Buffer) => void,
  ) {
    super({ highWaterMark: 1024 * 1024 });
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (e?: Error | null) => void): void {
    // Parsed in a microtask, not inside the writer's call: when the writer is zlib, its completion
    // callback then schedules the next inflate on the thread pool before this thread parses (and
    // hashes, via onChunk) the chunk it just produced, so inflating and parsing overlap. zlib does not
    // reuse an output chunk it has handed out.
    queueMicrotask(() => {
      try {
        this.feed(chunk);
        cb();
      } catch (e) {
        cb(e as Error);
      }
    });
  }

  override _final(cb: (e?: Error | null) => void): void {
    try {
      this.finish();
      cb();
    } catch (e) {
      cb(e as Error);
    }
  }

  /**
   * Parse a chunk synchronously (the stream-free way in): nothing of `chunk` is kept after the call,
   * so its buffer may be reused at once. Throws on a bad header.
   */
  feed(chunk: Buffer): void {
    this.onChunk?.(chunk);
    if (!this.ended) this.consume(chunk);
  }

  /** The input is complete: throws CORRUPT when it stopped inside an entry or a header. */
  finish(): void {
    if (!this.ended && (this.hdrFill > 0 || this.remaining > 0 || this.pad > 0)) {
      const where =
        this.hdrFill > 0
          ? `partial header at offset ${this.pos - this.hdrFill}`
          : `entry at offset ${this.entryStart}`;
      throw new VigilError("CORRUPT", `${this.describe}: truncated tar (${where})`);
    }
  }

  private consume(chunk: Buffer): void {
    const len = chunk.length;
    let off = 0;
    while (off < len && !this.ended) {
      if (this.remaining > 0) {
        const n = Math.min(this.remaining, len - off);
        const part = chunk.subarray(off, off + n);
        if (this.sink) this.sink.data(part);
        else if (this.extChunks) this.extChunks.push(Buffer.from(part));
        off += n;
        this.pos += n;
        this.remaining -= n;
        if (this.remaining === 0) this.finishData();
        continue;
      }
      if (this.pad > 0) {
        const n = Math.min(this.pad, len - off);
        off += n;
        this.pos += n;
        this.pad -= n;
        continue;
      }
      let h: Buffer;
      let hoff: number;
      if (this.hdrFill === 0 && len - off >= BLOCK) {
        h = chunk;
        hoff = off;
        off += BLOCK;
        this.pos += BLOCK;
      } else {
        const n = Math.min(BLOCK - this.hdrFill, len - off);
        chunk.copy(this.hdr, this.hdrFill, off, off + n);
        this.hdrFill += n;
        off += n;
        this.pos += n;
        if (this.hdrFill < BLOCK) continue;
        this.hdrFill = 0;
        h = this.hdr;
        hoff = 0;
      }
      this.header(h, hoff);
    }
  }

  private header(h: Buffer, hoff: number): void {
    const at = this.pos - BLOCK;
    const raw = decodeHeader(h, hoff, at, this.describe);
    if (raw === null) {
      // End of archive; whatever follows is padding (still hashed by onChunk).
      this.ended = true;
      return;
    }
    this.entryStart = at;
    if (isExtended(raw.t)) {
      this.extType = raw.t;
      this.extChunks = [];
      this.startData(raw.size);
      return;
    }
    const size = this.ext.size(raw);
    const { name, linkname } = this.ext.resolve(raw);
    const dataSize = raw.t === "dir" ? 0 : size;
    this.sink = this.onEntry({
      name,
      type: raw.t as TarEntryType,
      size: raw.t === "file" || raw.t === "other" ? size : 0,
      mode: raw.mode,
      linkname,
    });
    this.startData(dataSize);
  }

  private startData(size: number): void {
    this.remaining = size;
    this.pad = (BLOCK - (size % BLOCK)) % BLOCK;
    if (size === 0) this.finishData();
  }

  private finishData(): void {
    if (this.extChunks && this.extType) {
      this.ext.absorb(this.extType, Buffer.concat(this.extChunks));
      this.extChunks = undefined;
      this.extType = undefined;
    }
    if (this.sink) {
      const s = this.sink;
      this.sink = undefined;
      s.end();
    }
  }
}
