import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { afterAll, describe, expect, it } from "vitest";
import { hashFileRange, inflateFileRange, inflateStream } from "./worker-pool.js";

const tmp = mkdtempSync(join(tmpdir(), "vigil-worker-pool-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const sha = (b: Buffer) => `sha256:${createHash("sha256").update(b).digest("hex")}`;

// Real bytes: the node binary (several MiB, so several 1 MiB chunks), gzip-compressed, stored at an
// offset inside a larger file as a layer inside an archive is.
const raw = readFileSync(process.execPath).subarray(0, 5 * 1024 * 1024 + 123);
const gz = gzipSync(raw, { level: 1 });
const prefix = Buffer.alloc(4096, 7);
const file = join(tmp, "archive.bin");
writeFileSync(file, Buffer.concat([prefix, gz, Buffer.alloc(100, 9)]));
const range = { path: file, offset: prefix.length, length: gz.length };

describe("inflateFileRange", () => {
  it("hands back the uncompressed bytes in order with both digests", async () => {
    const parts: Buffer[] = [];
    const r = await inflateFileRange(range, (c, p) => {
      expect(p.rawBytes).toBeGreaterThanOrEqual(c.length);
      parts.push(Buffer.from(c)); // copied: the buffer goes back to the worker
    });
    expect(parts.length).toBeGreaterThan(4);
    expect(Buffer.concat(parts).equals(raw)).toBe(true);
    expect(r).toEqual({ stored: sha(gz), diff: sha(raw), storedBytes: gz.length, rawBytes: raw.length });
  });

  it("stops when the consumer throws, and the pool keeps working", async () => {
    let calls = 0;
    const boom = new Error("limit reached");
    await expect(
      inflateFileRange(range, () => {
        if (++calls === 2) throw boom;
      }),
    ).rejects.toBe(boom);
    expect(calls).toBe(2);
    const again = await inflateFileRange(range, () => {});
    expect(again.diff).toBe(sha(raw));
  });

  it("rejects on abort, corrupt data and a range past the end of the file", async () => {
    const ac = new AbortController();
    const p = inflateFileRange(range, () => ac.abort(), ac.signal);
    await expect(p).rejects.toMatchObject({ name: "AbortError" });

    const bad = Buffer.from(gz);
    for (let i = 200; i < 400; i++) bad[i] = bad[i]! ^ 0x5a;
    const badFile = join(tmp, "bad.gz");
    writeFileSync(badFile, bad);
    await expect(
      inflateFileRange({ path: badFile, offset: 0, length: bad.length }, () => {}),
    ).rejects.toThrow(/invalid|incorrect|unexpected/i);

    // The file ends before the range does (a truncated archive).
    const shortFile = join(tmp, "short.gz");
    writeFileSync(shortFile, gz);
    await expect(
      inflateFileRange({ path: shortFile, offset: 0, length: gz.length + 10_000 }, () => {}),
    ).rejects.toThrow(/unexpected end of file/);
    // Bytes after the gzip stream inside the range are not gzip: an error, not silently ignored.
    await expect(
      inflateFileRange({ path: file, offset: prefix.length, length: gz.length + 100 }, () => {}),
    ).rejects.toThrow(/incorrect header check/);
  });
});

describe("inflateStream", () => {
  async function* pieces(buf: Buffer, size: number, failAt?: number): AsyncGenerator<Buffer> {
    for (let o = 0; o < buf.length; o += size) {
      if (failAt !== undefined && o >= failAt) throw new Error("connection reset");
      yield buf.subarray(o, o + size);
    }
  }

  it("inflates bytes pushed as they arrive, with both digests", async () => {
    let n = 0;
    const raws: Buffer[] = [];
    const r = await inflateStream(pieces(gz, 300_000), (c) => {
      n++;
      raws.push(Buffer.from(c));
    });
    expect(n).toBeGreaterThan(4);
    expect(Buffer.concat(raws).equals(raw)).toBe(true);
    expect(r).toEqual({ stored: sha(gz), diff: sha(raw), storedBytes: gz.length, rawBytes: raw.length });
  });

  it("rejects with the source's own error, and on truncated or corrupt input", async () => {
    await expect(inflateStream(pieces(gz, 200_000, 600_000), () => {})).rejects.toThrow("connection reset");
    await expect(inflateStream(pieces(gz.subarray(0, gz.length >> 1), 100_000), () => {})).rejects.toThrow(
      /unexpected end/i,
    );
    const bad = Buffer.from(gz);
    bad[0] = 0;
    await expect(inflateStream(pieces(bad, 100_000), () => {})).rejects.toThrow(/incorrect header/);
    // The pool still works afterwards.
    const ok = await inflateStream(pieces(gz, 1 << 20), () => {});
    expect(ok.diff).toBe(sha(raw));
  });
});

describe("hashFileRange", () => {
  it("hashes small ranges inline and large ones in a worker", async () => {
    expect(await hashFileRange({ path: file, offset: 0, length: prefix.length })).toBe(sha(prefix));
    const big = join(tmp, "big.bin");
    writeFileSync(big, raw);
    expect(await hashFileRange({ path: big, offset: 0, length: raw.length })).toBe(sha(raw));
  });
});
