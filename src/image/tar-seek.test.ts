import { execFileSync } from "node:child_process";
import {
  closeSync,
  linkSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { extract } from "tar-stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { VigilError } from "../core/errors.js";
import { seededRandom } from "../core/test-helpers/random.js";
import { TarParser } from "./tar-parser.js";
import { blockSum, type SeekTarEntry, seekTarEntries, seekTarEntriesSync } from "./tar-seek.js";
import { tarOf } from "./test-helpers/build-image.js";

const tmp = mkdtempSync(join(tmpdir(), "vigil-tarseek-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const LONG_DIR = `usr/share/doc/${"very-long-directory-name-".repeat(4)}x/${"nested-".repeat(12)}y`;

beforeAll(() => {
  const root = join(tmp, "root");
  mkdirSync(join(root, LONG_DIR), { recursive: true });
  mkdirSync(join(root, "var/lib/dpkg"), { recursive: true });
  writeFileSync(join(root, "var/lib/dpkg/status"), readFileSync("/var/lib/dpkg/status"));
  writeFileSync(
    join(root, LONG_DIR, `${"file-with-a-long-name-".repeat(6)}.txt`),
    readFileSync("/etc/os-release"),
  );
  writeFileSync(join(root, "var/lib/dpkg/ünïcödé name"), "x");
  symlinkSync(`../../../${LONG_DIR}`, join(root, "var/lib/dpkg/link-to-long-dir"));
  linkSync(join(root, "var/lib/dpkg/status"), join(root, "var/lib/dpkg/status-hardlink"));
});

/** Entries as tar-stream sees them (the reference). */
async function viaTarStream(buf: Buffer) {
  const out: { name: string; type: string; size: number; linkname?: string }[] = [];
  const ex = extract();
  const done = new Promise<void>((resolve, reject) => {
    ex.on("finish", resolve);
    ex.on("error", reject);
  });
  ex.on("entry", (h, s, next) => {
    const type =
      { file: "file", directory: "dir", symlink: "symlink", link: "hardlink" }[h.type as string] ?? "other";
    out.push({
      name: h.name,
      type,
      size: type === "file" ? (h.size ?? 0) : 0,
      linkname: h.linkname ?? undefined,
    });
    s.on("end", () => next());
    s.resume();
  });
  ex.end(buf);
  await done;
  return out;
}

/** Entries as TarParser sees them, fed in odd-sized chunks so headers straddle chunk boundaries. */
async function viaParser(buf: Buffer, chunk: number) {
  const out: { name: string; type: string; size: number; linkname?: string; data?: Buffer }[] = [];
  const parser = new TarParser("test", (e) => {
    const rec: (typeof out)[number] = { name: e.name, type: e.type, size: e.size, linkname: e.linkname };
    out.push(rec);
    if (e.type !== "file") return undefined;
    const parts: Buffer[] = [];
    return { data: (c) => parts.push(Buffer.from(c)), end: () => void (rec.data = Buffer.concat(parts)) };
  });
  const done = new Promise<void>((resolve, reject) => {
    parser.on("finish", resolve);
    parser.on("error", reject);
  });
  for (let o = 0; o < buf.length; o += chunk) parser.write(buf.subarray(o, o + chunk));
  parser.end();
  await done;
  return out;
}

function viaSeek(file: string) {
  const out: SeekTarEntry[] = [];
  for (const e of seekTarEntries(file, 0, statSync(file).size, file)) out.push(e);
  return out;
}

describe("seekTarEntries", () => {
  for (const format of ["gnu", "pax", "ustar", "oldgnu"]) {
    it(`reads what GNU tar writes in ${format} format, like tar-stream does`, async () => {
      const file = join(tmp, `${format}.tar`);
      const args = ["-cf", file, `--format=${format}`, "-C", join(tmp, "root"), "."];
      try {
        execFileSync("tar", args, { stdio: "pipe" });
      } catch (e) {
        // ustar cannot store names over 255 bytes: GNU tar refuses those members and exits 2.
        if (format !== "ustar") throw e;
      }
      const buf = readFileSync(file);
      const expected = await viaTarStream(buf);
      const got = viaSeek(file);
      expect(got.map(({ name, type, size, linkname }) => ({ name, type, size, linkname }))).toEqual(expected);
      for (const chunk of [1, 511, 4096, 65537]) {
        const parsed = await viaParser(buf, chunk);
        expect(parsed.map(({ name, type, size, linkname }) => ({ name, type, size, linkname }))).toEqual(
          expected,
        );
        for (const p of parsed.filter((e) => e.type === "file")) {
          const seek = got.find((e) => e.name === p.name)!;
          expect(p.data!.equals(buf.subarray(seek.dataOffset, seek.dataOffset + seek.size))).toBe(true);
        }
      }
      if (format !== "ustar") {
        expect(got.some((e) => e.name.length > 200)).toBe(true);
        expect(got.find((e) => e.name.endsWith("link-to-long-dir"))?.linkname).toBe(`../../../${LONG_DIR}`);
      }
      const pair = got.filter((e) => /\/status(-hardlink)?$/.test(e.name)).map((e) => e.type);
      expect(pair.sort()).toEqual(["file", "hardlink"]);
      expect(got.some((e) => e.name.endsWith("ünïcödé name"))).toBe(true);
      const status = got.find((e) => /\/status(-hardlink)?$/.test(e.name) && e.type === "file")!;
      expect(
        buf
          .subarray(status.dataOffset, status.dataOffset + status.size)
          .equals(readFileSync("/var/lib/dpkg/status")),
      ).toBe(true);
    });
  }

  it("reads GNU base-256 size fields", async () => {
    const tar = await tarOf([{ name: "big", content: "0123456789" }]);
    // Rewrite the size (10) in base-256 and fix the checksum.
    tar.fill(0, 124, 136);
    tar[124] = 0x80;
    tar[135] = 10;
    tar.fill(0x20, 148, 156);
    let sum = 0;
    for (let i = 0; i < 512; i++) sum += tar[i]!;
    tar.write(`${sum.toString(8).padStart(6, "0")}\0 `, 148, "latin1");
    const file = join(tmp, "b256.tar");
    writeFileSync(file, tar);
    expect(viaSeek(file).map((e) => [e.name, e.size])).toEqual([["big", 10]]);
  });

  it("sums a block word-wise as byte by byte, aligned or not, up to all bytes 0xff", () => {
    const big = Buffer.alloc(4096 + 8);
    const rnd = seededRandom(7);
    for (let i = 0; i < big.length; i++) big[i] = rnd(256);
    const bytewise = (b: Buffer, off: number) => {
      let s = 0;
      for (let i = off; i < off + 512; i++) s += b[i]!;
      return s;
    };
    for (const off of [0, 1, 2, 3, 512, 513, 1024, 3584])
      expect(blockSum(big, off), `${off}`).toBe(bytewise(big, off));
    // a view starting off a word boundary of its memory, and the largest sums
    const view = big.subarray(5);
    for (const off of [0, 3, 512]) expect(blockSum(view, off)).toBe(bytewise(view, off));
    for (const fill of [0xff, 0x80, 0x7f, 0x01, 0]) {
      const b = Buffer.alloc(1024, fill);
      expect(blockSum(b, 0)).toBe(512 * fill);
      expect(blockSum(b, 512)).toBe(512 * fill);
    }
  });

  it("accepts the unsigned and the old signed header checksum, nothing else", async () => {
    const tar = await tarOf([{ name: "a", content: "x" }]);
    tar.write("\u00e9l\u00e8ve", 265, "latin1"); // an owner name with bytes above 127
    tar.fill(0x20, 148, 156);
    let unsigned = 0;
    let signed = 0;
    for (let i = 0; i < 512; i++) {
      unsigned += tar[i]!;
      signed += tar[i]! > 127 ? tar[i]! - 256 : tar[i]!;
    }
    expect(signed).toBeLessThan(unsigned);
    const withSum = (sum: number) => {
      const t = Buffer.from(tar);
      t.write(`${sum.toString(8).padStart(6, "0")}\0 `, 148, "latin1");
      const file = join(tmp, `sum-${sum}.tar`);
      writeFileSync(file, t);
      return file;
    };
    expect(viaSeek(withSum(unsigned)).map((e) => e.name)).toEqual(["a"]);
    expect(viaSeek(withSum(signed)).map((e) => e.name)).toEqual(["a"]);
    for (const wrong of [unsigned + 1, signed - 1, unsigned - 256])
      expect(() => viaSeek(withSum(wrong))).toThrow(/invalid tar header checksum at offset 0/);
  });

  it("streams: reports truncation and bad checksums, ignores bytes after the end marker", async () => {
    const tar = await tarOf([
      { name: "a", content: "hello" },
      { name: "b", content: readFileSync("/etc/os-release") },
    ]);
    await expect(viaParser(tar.subarray(0, 700), 100)).rejects.toThrow(
      /test: truncated tar \(entry at offset 0\)/,
    );
    await expect(viaParser(tar.subarray(0, 1030), 100)).rejects.toThrow(
      /truncated tar \(partial header at offset 1024\)/,
    );
    const bad = Buffer.from(tar);
    bad[520 + 512] = 0x41;
    bad[1024 + 3] ^= 0x01;
    await expect(viaParser(bad, 4096)).rejects.toThrow(/invalid tar header checksum at offset 1024/);
    const extra = Buffer.concat([tar, Buffer.from("trailing garbage after the end-of-archive marker")]);
    expect((await viaParser(extra, 333)).map((e) => e.name)).toEqual(["a", "b"]);
  });

  it("reads a range inside a larger file and reports corruption", async () => {
    const inner = await tarOf([
      { name: "a", content: "hello" },
      { name: "b", content: "world" },
    ]);
    const file = join(tmp, "range.bin");
    writeFileSync(file, Buffer.concat([Buffer.alloc(1000, 7), inner, Buffer.alloc(100, 9)]));
    const fd = openSync(file, "r");
    try {
      const names = [...seekTarEntriesSync(fd, 1000, inner.length, "inner")].map((e) => e.name);
      expect(names).toEqual(["a", "b"]);
      expect(() => [...seekTarEntriesSync(fd, 1001, inner.length, "inner")]).toThrow(
        /inner: invalid tar header checksum/,
      );
      expect(() => [...seekTarEntriesSync(fd, 1000, 700, "inner")]).toThrow(VigilError);
    } finally {
      closeSync(fd);
    }
  });
});
