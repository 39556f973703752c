import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { crc32, deflateRawSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import yauzl from "yauzl";
import { ZipFile } from "yazl";
import { seededRandom } from "../../core/test-helpers/random.js";
import { bufferSource } from "../binary/byte-source.js";
import { debianPackageRoot } from "../binary/testing.js";
import { openZip, ZipLimitError } from "./zip.js";

const corpus = new URL("../../../../shared/corpus/pkgdb/java/", import.meta.url).pathname;

function archivesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...archivesUnder(p));
    else if (/\.(jar|war|ear|jpi|hpi|zip)$/i.test(name)) out.push(p);
  }
  return out.sort();
}

/** What yauzl, the zip library the advisory feeds are read with, makes of an archive. */
async function yauzlView(buf: Buffer) {
  const zip = await new Promise<yauzl.ZipFile>((resolve, reject) =>
    yauzl.fromBuffer(buf, { lazyEntries: true, strictFileNames: false, validateEntrySizes: true }, (e, z) =>
      e || !z ? reject(e) : resolve(z),
    ),
  );
  const entries: yauzl.Entry[] = [];
  await new Promise<void>((resolve, reject) => {
    zip.on("entry", (e: yauzl.Entry) => {
      entries.push(e);
      zip.readEntry();
    });
    zip.on("end", resolve);
    zip.on("error", reject);
    zip.readEntry();
  });
  const read = (e: yauzl.Entry) =>
    new Promise<Buffer>((resolve, reject) =>
      zip.openReadStream(e, (err, s) => {
        if (err || !s) return reject(err);
        const chunks: Buffer[] = [];
        s.on("data", (c: Buffer) => chunks.push(c));
        s.on("end", () => resolve(Buffer.concat(chunks)));
        s.on("error", reject);
      }),
    );
  return { entries, read };
}

function yazlZip(
  entries: { name: string; data: Buffer | string; store?: boolean; zip64?: boolean }[],
  end: { forceZip64Format: boolean; comment: string } = { forceZip64Format: false, comment: "" },
): Promise<Buffer> {
  const zip = new ZipFile();
  for (const e of entries) {
    const data = typeof e.data === "string" ? Buffer.from(e.data) : e.data;
    zip.addBuffer(data, e.name, { compress: !e.store, mtime: new Date(0), forceZip64Format: e.zip64 });
  }
  zip.end(end);
  const chunks: Buffer[] = [];
  return new Promise((resolve, reject) => {
    zip.outputStream.on("data", (c: Buffer) => chunks.push(c));
    zip.outputStream.on("end", () => resolve(Buffer.concat(chunks)));
    zip.outputStream.on("error", reject);
  });
}

/**
 * A zip written field by field, for what the writers above never produce: names in code page 437 or
 * with an Info-ZIP Unicode path, and damaged fields. `patch` edits the central record of each entry.
 */
function handZip(
  entries: { nameBytes: Buffer; data: Buffer; flags?: number; extra?: Buffer; deflate?: boolean }[],
  opts: { patchCentral?: (rec: Buffer, i: number) => void; patchEnd?: (eocd: Buffer) => void } = {},
): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  entries.forEach((e, i) => {
    const body = e.deflate ? deflateRawSync(e.data) : e.data;
    const crc = crc32(e.data) >>> 0;
    // The fields both headers share, in the same order from `at`: flags, method, (time, date), CRC-32,
    // compressed and uncompressed sizes, name length.
    const common = (h: Buffer, at: number) => {
      h.writeUInt16LE(e.flags ?? 0, at);
      h.writeUInt16LE(e.deflate ? 8 : 0, at + 2);
      h.writeUInt32LE(crc, at + 8);
      h.writeUInt32LE(body.length, at + 12);
      h.writeUInt32LE(e.data.length, at + 16);
      h.writeUInt16LE(e.nameBytes.length, at + 20);
    };
    const lh = Buffer.alloc(30);
    lh.writeUInt32LE(0x04034b50, 0);
    lh.writeUInt16LE(20, 4);
    common(lh, 6);
    locals.push(lh, e.nameBytes, body);
    const extra = e.extra ?? Buffer.alloc(0);
    const ch = Buffer.alloc(46);
    ch.writeUInt32LE(0x02014b50, 0);
    ch.writeUInt16LE(20, 4);
    ch.writeUInt16LE(20, 6);
    common(ch, 8);
    ch.writeUInt16LE(extra.length, 30);
    ch.writeUInt32LE(offset, 42);
    opts.patchCentral?.(ch, i);
    centrals.push(ch, e.nameBytes, extra);
    offset += 30 + e.nameBytes.length + body.length;
  });
  const cd = Buffer.concat(centrals);
  const eocd = Buffer.alloc(22);
  eocd.writeUInt32LE(0x06054b50, 0);
  eocd.writeUInt16LE(entries.length, 8);
  eocd.writeUInt16LE(entries.length, 10);
  eocd.writeUInt32LE(cd.length, 12);
  eocd.writeUInt32LE(offset, 16);
  opts.patchEnd?.(eocd);
  return Buffer.concat([...locals, cd, eocd]);
}

const open = (b: Buffer, limits?: Parameters<typeof openZip>[1], opts?: Parameters<typeof openZip>[2]) =>
  openZip(bufferSource(b), limits, opts);

describe("zip reader", () => {
  it("reads every real archive of the corpus as yauzl does: the same entries, the same bytes", async () => {
    // The corpus's archives (some of them other files under a jar's name), and two large jars of Debian's.
    const files = [
      ...archivesUnder(corpus),
      join(debianPackageRoot("libguava-java"), "usr/share/java/guava.jar"),
      join(debianPackageRoot("libjackson2-databind-java"), "usr/share/java/jackson-databind.jar"),
    ];
    expect(files.length).toBeGreaterThan(100);
    let archives = 0;
    let compared = 0;
    for (const f of files) {
      const buf = readFileSync(f);
      const theirs = await yauzlView(buf).catch((e: Error) => e);
      const ours = await open(buf).catch((e: Error) => e);
      if (theirs instanceof Error) {
        // Archives yauzl refuses (the corpus has one that is not a zip at all) are refused here too.
        expect(ours, f).toBeInstanceOf(Error);
        continue;
      }
      if (ours instanceof Error) throw new Error(`${f}: ${ours.message}`);
      archives++;
      expect(
        ours.entries.map((e) => [
          e.name,
          e.compressedSize,
          e.uncompressedSize,
          e.compressionMethod,
          e.crc32,
          e.localHeaderOffset,
        ]),
        f,
      ).toEqual(
        theirs.entries.map((e) => [
          e.fileName,
          e.compressedSize,
          e.uncompressedSize,
          e.compressionMethod,
          e.crc32,
          e.relativeOffsetOfLocalHeader,
        ]),
      );
      // Only the entries a Java scan looks at: the same entries, no name decoded for the others.
      const suffixes = [".properties", ".mf", ".jar"];
      const some = await open(buf, undefined, { suffixes });
      expect(some.entries, f).toEqual(
        ours.entries.filter((e) => suffixes.some((x) => e.name.toLowerCase().endsWith(x))),
      );
      for (let i = 0; i < ours.entries.length; i++) {
        const e = ours.entries[i]!;
        if (e.isDirectory || e.uncompressedSize > 1 << 20) continue;
        expect(
          (await ours.readEntry(e, 1 << 20)).equals(await theirs.read(theirs.entries[i]!)),
          `${f}!${e.name}`,
        ).toBe(true);
        compared++;
      }
    }
    expect(archives).toBeGreaterThan(20);
    expect(compared).toBeGreaterThan(2000);
  });

  it("reads a central directory larger than its 1 MiB read window, record by record across its edges", async () => {
    const many = Array.from({ length: 12_000 }, (_, i) => ({
      name: `org/example/generated/pkg${i % 97}/${"SomeRatherLongClassName".repeat(4)}${i}.class`,
      data: `class ${i}`,
      store: true,
    }));
    const zip = await yazlZip(many);
    const eocd = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
    expect(zip.readUInt32LE(eocd + 12)).toBeGreaterThan(1.5 * 1024 * 1024);
    const z = await open(zip);
    expect(z.entries.map((e) => e.name)).toEqual(many.map((e) => e.name));
    expect((await yauzlView(zip)).entries.map((e) => e.relativeOffsetOfLocalHeader)).toEqual(
      z.entries.map((e) => e.localHeaderOffset),
    );
    expect((await z.readEntry(z.entries[11_999]!, 100)).toString()).toBe("class 11999");
  });

  it("reads zip64 records and fields, and an archive comment", async () => {
    const pom = "groupId=g\nartifactId=a\nversion=1\n";
    const zip = await yazlZip(
      [
        { name: "META-INF/maven/g/a/pom.properties", data: pom, zip64: true },
        { name: "lib/inner.jar", data: Buffer.alloc(5000, 1), store: true, zip64: true },
      ],
      { forceZip64Format: true, comment: "built by a test" },
    );
    const eocd = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
    // yazl marks the classic fields as in the zip64 record, so only that record gives the real values.
    expect(zip.readUInt16LE(eocd + 10)).toBe(0xffff);
    const z = await open(zip);
    expect(z.entries.map((e) => [e.name, e.uncompressedSize])).toEqual([
      ["META-INF/maven/g/a/pom.properties", pom.length],
      ["lib/inner.jar", 5000],
    ]);
    expect((await z.readEntry(z.entries[0]!, 1024)).toString()).toBe(pom);
    const inner = await z.entrySource(z.entries[1]!, 1 << 20);
    expect((await inner.read(0, 5000)).equals(Buffer.alloc(5000, 1))).toBe(true);
    // A damaged zip64 end record is an error, not a fallback to the classic fields.
    const z64 = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x06, 0x06]));
    const bad = Buffer.from(zip);
    bad[z64] = 0;
    await expect(open(bad)).rejects.toThrow(/zip64 end of central directory record/);
  });

  it("decodes names in code page 437 unless flagged UTF-8, and takes a valid Info-ZIP Unicode path", async () => {
    const cp437Name = Buffer.from([0x63, 0x61, 0x66, 0x82, 0x2e, 0x74, 0x78, 0x74]); // "café.txt" in CP437
    const unicode = (name: Buffer, path: string, crcOf = name) => {
      const p = Buffer.from(path);
      const x = Buffer.alloc(9);
      x.writeUInt16LE(0x7075, 0);
      x.writeUInt16LE(5 + p.length, 2);
      x[4] = 1;
      x.writeUInt32LE(crc32(crcOf) >>> 0, 5);
      return Buffer.concat([x, p]);
    };
    const zip = handZip([
      { nameBytes: cp437Name, data: Buffer.from("a") },
      { nameBytes: Buffer.from("naïve.txt"), data: Buffer.from("b"), flags: 0x800 },
      {
        nameBytes: Buffer.from("old.txt"),
        data: Buffer.from("c"),
        extra: unicode(Buffer.from("old.txt"), "nouveau.txt"),
      },
      // A Unicode path made for another name is stale: the stored name stands.
      {
        nameBytes: Buffer.from("kept.txt"),
        data: Buffer.from("d"),
        extra: unicode(Buffer.from("kept.txt"), "stale.txt", Buffer.from("other")),
      },
      { nameBytes: Buffer.from("dir\\sub\\x.txt"), data: Buffer.from("e"), deflate: true },
    ]);
    const z = await open(zip);
    expect(z.entries.map((e) => e.name)).toEqual([
      "café.txt",
      "naïve.txt",
      "nouveau.txt",
      "kept.txt",
      "dir/sub/x.txt",
    ]);
    // yauzl reads them the same way.
    expect((await yauzlView(zip)).entries.map((e) => e.fileName)).toEqual(z.entries.map((e) => e.name));
    expect((await z.readEntry(z.entries[4]!, 10)).toString()).toBe("e");
    // Filtered by suffix: an entry with a Unicode path is kept whatever its stored name (its real name is
    // known only once decoded), the others only when their name ends with one of the suffixes.
    const some = await open(zip, undefined, { suffixes: [".TXT"] });
    expect(some.entries.map((e) => e.name)).toEqual(z.entries.map((e) => e.name));
    const none = await open(zip, undefined, { suffixes: [".jar"] });
    expect(none.entries.map((e) => e.name)).toEqual(["nouveau.txt", "kept.txt"]);
  });

  it("survives 600 randomly damaged real jars: each opens and reads, or gives an Error, within bounds", async () => {
    // Damage drawn with fixed seeds: bytes replaced anywhere, in the central directory or the end
    // record (where lengths and offsets live), or inside one entry's data; or the archive cut short.
    const jars = [
      "trivy/nested.jar",
      "trivy/multi-license-1.0.0.jar",
      "trivy/hadoop-shaded-guava-1.1.0-SNAPSHOT.jar",
    ];
    const outcomes = { read: 0, refused: 0, entryRefused: 0, dataDamaged: 0 };
    for (const [j, name] of jars.entries()) {
      const good = readFileSync(join(corpus, name));
      // The bytes of every entry of the undamaged jar, by name.
      const original = new Map<string, Buffer>();
      const whole = await open(good);
      for (const e of whole.entries)
        if (!e.isDirectory) original.set(e.name, await whole.readEntry(e, 1 << 20));
      const cdAt = good.readUInt32LE(good.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06])) + 16);
      const rnd = seededRandom(1000 + j);
      for (let k = 0; k < 200; k++) {
        let bad = Buffer.from(good);
        const kind = rnd(5);
        if (kind === 3) bad = bad.subarray(0, rnd(bad.length));
        else if (kind === 4) {
          const withData = whole.entries.filter((e) => e.compressedSize > 0);
          const e = withData[rnd(withData.length)]!;
          const lh = e.localHeaderOffset;
          const at = lh + 30 + good.readUInt16LE(lh + 26) + good.readUInt16LE(lh + 28);
          bad[at + rnd(e.compressedSize)] ^= 1 + rnd(255);
          outcomes.dataDamaged++;
        } else {
          const from = kind === 0 ? 0 : kind === 1 ? cdAt : Math.max(0, bad.length - 22);
          for (let n = 1 + rnd(4); n > 0; n--) bad[from + rnd(bad.length - from)] = rnd(256);
        }
        let z: Awaited<ReturnType<typeof open>>;
        try {
          z = await open(bad);
        } catch (e) {
          expect(e, `${name} case ${k}`).toBeInstanceOf(Error);
          outcomes.refused++;
          continue;
        }
        expect(z.entries.length).toBeLessThanOrEqual(good.length / 46);
        outcomes.read++;
        for (const e of z.entries) {
          if (e.isDirectory) continue;
          let b: Buffer;
          try {
            b = await z.readEntry(e, 1 << 20);
          } catch (err) {
            expect(err, `${name} case ${k} ${e.name}`).toBeInstanceOf(Error);
            outcomes.entryRefused++;
            continue;
          }
          // What reads is what the jar held: damage that reaches an entry's bytes fails its CRC-32.
          const was = original.get(e.name);
          if (was) expect(b.equals(was), `${name} case ${k} ${e.name}`).toBe(true);
        }
      }
    }
    // Every kind of outcome happens.
    expect(outcomes.read).toBeGreaterThan(50);
    expect(outcomes.refused).toBeGreaterThan(50);
    expect(outcomes.entryRefused).toBeGreaterThan(20);
  });

  it("refuses damaged and hostile archives with an error, never a hang", async () => {
    const good = () =>
      handZip([
        { nameBytes: Buffer.from("a.txt"), data: Buffer.from("hello hello hello"), deflate: true },
        { nameBytes: Buffer.from("b.txt"), data: Buffer.from("plain") },
      ]);
    expect((await open(good())).entries).toHaveLength(2);
    const cases: [string, Buffer, RegExp][] = [
      ["empty", Buffer.alloc(0), /end of central directory record signature not found/],
      [
        "not a zip",
        Buffer.from("PK\u0005\u0006 not really"),
        /end of central directory record signature not found/,
      ],
      ["truncated", good().subarray(0, 40), /end of central directory record signature not found/],
      ["bytes after the end record", Buffer.concat([good(), Buffer.from("junk")]), /signature not found/],
      [
        "a count the directory cannot hold",
        handZip([{ nameBytes: Buffer.from("a"), data: Buffer.from("x") }], {
          patchEnd: (e) => e.writeUInt16LE(0xfffe, 10),
        }),
        /central directory out of bounds/,
      ],
      [
        "a directory past the end",
        handZip([{ nameBytes: Buffer.from("a"), data: Buffer.from("x") }], {
          patchEnd: (e) => e.writeUInt32LE(0x7fffffff, 16),
        }),
        /central directory out of bounds/,
      ],
      [
        "a bad record signature",
        handZip([{ nameBytes: Buffer.from("a"), data: Buffer.from("x") }], {
          patchCentral: (c) => c.writeUInt32LE(0x02014b51, 0),
        }),
        /invalid central directory file header signature/,
      ],
      [
        "a name past the directory",
        handZip([{ nameBytes: Buffer.from("a"), data: Buffer.from("x") }], {
          patchCentral: (c) => c.writeUInt16LE(500, 28),
        }),
        /past the end of the directory/,
      ],
      [
        "several disks",
        handZip([{ nameBytes: Buffer.from("a"), data: Buffer.from("x") }], {
          patchEnd: (e) => e.writeUInt16LE(1, 4),
        }),
        /multi-disk/,
      ],
      [
        "strong encryption",
        handZip([{ nameBytes: Buffer.from("a"), data: Buffer.from("x"), flags: 0x41 }]),
        /strong encryption/,
      ],
      [
        "a stored entry whose sizes differ",
        handZip([{ nameBytes: Buffer.from("a"), data: Buffer.from("x") }], {
          patchCentral: (c) => c.writeUInt32LE(9, 24),
        }),
        /sizes differ/,
      ],
      [
        "zip64 marks without a zip64 record",
        handZip([{ nameBytes: Buffer.from("a"), data: Buffer.from("x") }], {
          patchEnd: (e) => e.writeUInt16LE(0xffff, 10),
        }),
        /zip64 end of central directory locator not found/,
      ],
    ];
    for (const [what, buf, err] of cases) await expect(open(buf), what).rejects.toThrow(err);
    await expect(open(good(), { maxEntries: 1, maxRatio: 200 })).rejects.toBeInstanceOf(ZipLimitError);

    // Damage that only reading the entry finds.
    const readFails = async (buf: Buffer, err: RegExp | typeof ZipLimitError, max = 100) => {
      const z = await open(buf);
      await expect(z.readEntry(z.entries[0]!, max)).rejects.toThrow(err);
    };
    const lied = (size: number) =>
      handZip([{ nameBytes: Buffer.from("a"), data: Buffer.from("hello hello hello"), deflate: true }], {
        patchCentral: (c) => c.writeUInt32LE(size, 24),
      });
    await readFails(lied(5), /too many bytes in the stream/);
    await readFails(lied(40), /expected 40 bytes, got 17/);
    await readFails(good(), ZipLimitError, 10);
    const noLocal = good();
    noLocal.writeUInt32LE(0, 0);
    await readFails(noLocal, /invalid local file header signature/);
    const badDeflate = good();
    badDeflate.fill(0xff, 35, 40);
    await readFails(badDeflate, /invalid deflate data|CRC-32|expected/);
    const flipped = handZip([{ nameBytes: Buffer.from("a"), data: Buffer.from("version=1.2.3") }]);
    flipped[flipped.indexOf("1.2.3") + 4] = 0x37;
    await readFails(flipped, /CRC-32 mismatch/);
  });
});
