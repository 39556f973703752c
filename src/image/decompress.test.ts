import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable, Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { gunzipSync, gzipSync } from "node:zlib";
import { afterAll, describe, expect, it } from "vitest";
import { GzipMembers, gzipHeaderLength } from "./decompress.js";
import { gzipHeaderWithAllFields } from "./test-helpers/gzip.js";

const tmp = mkdtempSync(join(tmpdir(), "vigil-gzip-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

// Real bytes: a program of this machine, compressed by GNU gzip (which stores the file name) and by zlib.
const DATA = readFileSync("/usr/bin/gzip");
writeFileSync(join(tmp, "prog"), DATA);
const GNU = execFileSync("gzip", ["-c", "-9", "-n", join(tmp, "prog")]);
const GNU_NAMED = execFileSync("gzip", ["-c", join(tmp, "prog")]);
const ZLIB = gzipSync(DATA);

/**
 * Inflate `input` through GzipMembers to a consumer: its first and last 64 bytes (headers, trailers)
 * in chunks of `size` bytes, the rest in chunks of max(size, 64 KiB).
 */
async function inflate(input: Buffer, size: number, slow = false): Promise<Buffer> {
  const out: Buffer[] = [];
  const chunks = function* () {
    for (let i = 0; i < input.length; ) {
      const edge = i < 64 || i >= input.length - 64;
      const n = edge ? size : Math.max(size, 65_536);
      yield input.subarray(i, i + n);
      i += n;
    }
  };
  await pipeline(
    Readable.from(chunks()),
    new GzipMembers(),
    new Writable({
      highWaterMark: 1024,
      write(c: Buffer, _e, cb) {
        out.push(Buffer.from(c));
        if (slow) setImmediate(cb);
        else cb();
      },
    }),
  );
  return Buffer.concat(out);
}

async function failure(input: Buffer): Promise<{ code?: string; message: string }> {
  return inflate(input, 4096).then(
    () => ({ message: "no error" }),
    (e: Error & { code?: string }) => ({ code: e.code, message: e.message }),
  );
}

describe("GzipMembers (gunzip without zlib's CRC-32)", () => {
  it("inflates what gzip and zlib write, whatever the chunking, as gunzip does", async () => {
    for (const input of [GNU, GNU_NAMED, ZLIB]) {
      for (const size of [1, 13, 512, 65_536, 1 << 20]) {
        expect((await inflate(input, size)).equals(DATA), `chunks of ${size}`).toBe(true);
      }
    }
    expect(gzipHeaderLength(GNU_NAMED)).toBe(10 + "prog".length + 1);
    // A chunk that ends exactly where the deflate data ends, or inside the trailer.
    for (const cut of [ZLIB.length - 8, ZLIB.length - 4, 10]) {
      const out: Buffer[] = [];
      await pipeline(
        Readable.from([ZLIB.subarray(0, cut), ZLIB.subarray(cut)]),
        new GzipMembers(),
        new Writable({
          write(c: Buffer, _e, cb) {
            out.push(Buffer.from(c));
            cb();
          },
        }),
      );
      expect(Buffer.concat(out).equals(DATA), `cut at ${cut}`).toBe(true);
    }
  });

  it("reads members one after another, and ignores what follows the last unless it starts like one", async () => {
    const second = execFileSync("gzip", ["-c", "-1"], { input: Buffer.from("tail\n") });
    const both = Buffer.concat([GNU_NAMED, second]);
    expect((await inflate(both, 4096)).equals(gunzipSync(both))).toBe(true);
    expect((await inflate(Buffer.concat([ZLIB, Buffer.alloc(512)]), 4096)).equals(DATA)).toBe(true);
    // Also when the trailing bytes come in a chunk of their own.
    const out: Buffer[] = [];
    await pipeline(
      Readable.from([ZLIB, Buffer.alloc(512)]),
      new GzipMembers(),
      new Writable({
        write(c: Buffer, _e, cb) {
          out.push(Buffer.from(c));
          cb();
        },
      }),
    );
    expect(Buffer.concat(out).equals(DATA)).toBe(true);
    expect(await failure(Buffer.concat([ZLIB, Buffer.from([0x1f, 0x00, 0x00])]))).toEqual({
      code: "Z_DATA_ERROR",
      message: "incorrect header check",
    });
  });

  it("parses the optional header fields (extra, name, comment, header CRC)", async () => {
    const deflated = ZLIB.subarray(10, ZLIB.length - 8);
    const trailer = ZLIB.subarray(ZLIB.length - 8);
    const header = gzipHeaderWithAllFields();
    const input = Buffer.concat([header, deflated, trailer]);
    expect(gzipHeaderLength(input)).toBe(header.length);
    expect(gzipHeaderLength(header.subarray(0, header.length - 1))).toBe(-1);
    for (const size of [1, 7, 4096]) expect((await inflate(input, size)).equals(DATA)).toBe(true);
  });

  it("pauses inflating while its consumer is behind", async () => {
    const zeros = gzipSync(Buffer.alloc(64 * 1024 * 1024));
    const gm = new GzipMembers();
    let peak = 0;
    let n = 0;
    await pipeline(
      Readable.from([zeros]),
      gm,
      new Writable({
        highWaterMark: 1024,
        write(c: Buffer, _e, cb) {
          n += c.length;
          peak = Math.max(peak, gm.readableLength);
          setImmediate(cb);
        },
      }),
    );
    expect(n).toBe(64 * 1024 * 1024);
    expect(peak).toBeLessThanOrEqual(2 * 1024 * 1024);
  });

  it("fails with zlib's codes on truncation, bad headers, a wrong length and corrupt data", async () => {
    expect(await failure(ZLIB.subarray(0, ZLIB.length - 3))).toEqual({
      code: "Z_BUF_ERROR",
      message: "unexpected end of file",
    });
    expect(await failure(Buffer.alloc(0))).toMatchObject({ code: "Z_BUF_ERROR" });
    expect(await failure(ZLIB.subarray(0, 5))).toMatchObject({ message: "unexpected end of file" });
    expect(await failure(Buffer.concat([Buffer.from([0x1f, 0x8c]), ZLIB.subarray(2)]))).toMatchObject({
      message: "incorrect header check",
    });
    const method = Buffer.from(ZLIB);
    method[2] = 7;
    expect(await failure(method)).toMatchObject({ message: "unknown compression method" });
    const flags = Buffer.from(ZLIB);
    flags[3] = 0x80;
    expect(await failure(flags)).toMatchObject({ message: "unknown header flags set" });
    const length = Buffer.from(ZLIB);
    length[length.length - 1] = length[length.length - 1]! ^ 1;
    expect(await failure(length)).toEqual({ code: "Z_DATA_ERROR", message: "incorrect length check" });
    const corrupt = Buffer.from(ZLIB);
    for (let i = 40; i < 60; i++) corrupt[i] = 0xff;
    expect((await failure(corrupt)).code).toMatch(/^Z_/);
    // A name that never ends is refused, not buffered without bound.
    const endless = Buffer.concat([
      Buffer.from([0x1f, 0x8b, 8, 0x08, 0, 0, 0, 0, 0, 3]),
      Buffer.alloc(70_000, 65),
    ]);
    expect(await failure(endless)).toMatchObject({ message: "gzip header too long" });
  });
});
