import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { fileRefSource } from "./byte-source.js";
import { readExecutable, u64At } from "./exe.js";
import { hostFileRef } from "./testing.js";

describe("u64At", () => {
  it("equals Number(readBigUInt64…) in both byte orders, above 2^53 too", () => {
    const fixed = [0n, 1n, 0xffff_ffffn, 0x1_0000_0000n, 2n ** 53n - 1n, 2n ** 53n + 1n, 2n ** 63n + 12345n];
    const buf = Buffer.alloc(8);
    const values = [...fixed, ...Array.from({ length: 2000 }, () => randomBytes(8).readBigUInt64LE(0))];
    for (const v of values) {
      buf.writeBigUInt64LE(v);
      expect(u64At(buf, 0, true), `LE ${v}`).toBe(Number(buf.readBigUInt64LE(0)));
      buf.writeBigUInt64BE(v);
      expect(u64At(buf, 0, false), `BE ${v}`).toBe(Number(buf.readBigUInt64BE(0)));
    }
  });
});

describe("readExecutable on a real ELF program", () => {
  it("lists the sections binutils' readelf lists, with their offsets, addresses and sizes", async () => {
    const path = "/bin/ls";
    const exe = await readExecutable(fileRefSource(await hostFileRef(path, path)));
    expect(exe?.format).toBe("elf");
    // readelf -S -W: "[Nr] Name Type Address Off Size ..." (hex), section 0 (NULL) skipped as Vigil does.
    const out = execFileSync("readelf", ["-S", "-W", path], { encoding: "utf8" });
    const rows = [
      ...out.matchAll(/^\s*\[\s*(\d+)\]\s+(\S+)\s+(\S+)\s+([0-9a-f]+)\s+([0-9a-f]+)\s+([0-9a-f]+)/gm),
    ]
      .filter((m) => m[1] !== "0")
      .map((m) => ({
        name: m[2],
        addr: Number.parseInt(m[4]!, 16),
        offset: Number.parseInt(m[5]!, 16),
        size: m[3] === "NOBITS" ? 0 : Number.parseInt(m[6]!, 16),
      }));
    expect(rows.length).toBeGreaterThan(20);
    expect(exe!.sections.map(({ name, addr, offset, size }) => ({ name, addr, offset, size }))).toEqual(rows);
  });
});
