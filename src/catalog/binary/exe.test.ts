import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { closeSync, openSync, readdirSync, readSync, statSync } from "node:fs";
import { join } from "node:path";
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

/** The sections binutils' readelf lists ("[Nr] Name Type Address Off Size ...", hex), without section 0. */
function readelfSections(path: string) {
  const out = execFileSync("readelf", ["-S", "-W", path], { encoding: "utf8" });
  return [...out.matchAll(/^\s*\[\s*(\d+)\]\s+(\S+)\s+(\S+)\s+([0-9a-f]+)\s+([0-9a-f]+)\s+([0-9a-f]+)/gm)]
    .filter((m) => m[1] !== "0")
    .map((m) => ({
      name: m[2],
      addr: Number.parseInt(m[4]!, 16),
      offset: Number.parseInt(m[5]!, 16),
      size: m[3] === "NOBITS" ? 0 : Number.parseInt(m[6]!, 16),
    }));
}

describe("readExecutable on a real ELF program", () => {
  it("lists the sections binutils' readelf lists, with their offsets, addresses and sizes", async () => {
    const path = "/bin/ls";
    const exe = await readExecutable(fileRefSource(await hostFileRef(path, path)));
    expect(exe?.format).toBe("elf");
    const rows = readelfSections(path);
    expect(rows.length).toBeGreaterThan(20);
    expect(exe!.sections.map(({ name, addr, offset, size }) => ({ name, addr, offset, size }))).toEqual(rows);
  });

  it("agrees with readelf on every ELF program and library of the machine it tries (60 of each)", async () => {
    const list = (dir: string) => {
      try {
        return readdirSync(dir);
      } catch {
        return []; // another architecture's layout
      }
    };
    const elves = (dir: string, re: RegExp) =>
      list(dir)
        .filter((n) => re.test(n))
        .map((n) => join(dir, n))
        .filter((p) => {
          try {
            const st = statSync(p);
            if (!st.isFile() || st.size < 64) return false;
            const fd = openSync(p, "r");
            const b = Buffer.alloc(4);
            readSync(fd, b, 0, 4, 0);
            closeSync(fd);
            return b.equals(Buffer.from("\x7fELF", "latin1"));
          } catch {
            return false;
          }
        })
        .sort()
        .slice(0, 60);
    const paths = [
      ...elves("/usr/bin", /^[a-z]/),
      ...elves("/usr/lib/x86_64-linux-gnu", /\.so(\.\d+)*$/),
      process.execPath,
    ];
    expect(paths.length).toBeGreaterThan(40);
    for (const path of paths) {
      const exe = await readExecutable(fileRefSource(await hostFileRef(path, path)));
      expect(exe?.format, path).toBe("elf");
      const got = exe!.sections.map(({ name, addr, offset, size }) => ({ name, addr, offset, size }));
      expect(got, path).toEqual(readelfSections(path));
    }
  }, 60_000);
});
