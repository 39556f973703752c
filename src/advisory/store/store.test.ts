import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import Database from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { VigilError } from "../../core/errors.js";
import { buildSnapshot } from "./build.js";
import { compareUtf8, decodeRecordBlock } from "./codec.js";
import { openSnapshot, type SnapshotStore } from "./open.js";
import { SCHEMA_VERSION } from "./schema.js";

const ADV = fileURLToPath(new URL("../../../../shared/corpus/advisories/", import.meta.url));
const SOURCES = [
  `${ADV}osv/ghsa-sample`,
  `${ADV}osv/go-vulndb.osv.jsonl.gz`,
  `${ADV}osv-distro-samples`,
  `${ADV}debian/security-tracker/DSA.list`,
  `${ADV}debian/vunnel-sample/test-fixtures/input/debian.json`,
];

let dir: string;
let store: SnapshotStore;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "vigil-store-"));
  await buildSnapshot({
    sources: SOURCES,
    out: join(dir, "a.sqlite"),
    now: new Date("2026-01-01T00:00:00Z"),
  });
  store = openSnapshot(join(dir, "a.sqlite"));
}, 60_000);
afterAll(() => {
  store?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("snapshot build + open", () => {
  it("records manifest, feeds and namespaces", () => {
    const m = store.manifest;
    expect(m.schemaVersion).toBe(SCHEMA_VERSION);
    expect(m.builtAt).toBe("2026-01-01T00:00:00.000Z");
    expect(m.contentHash).toMatch(/^sha256:[0-9a-f]{64}$/);
    const dsa = m.feeds.find((f) => f.feed === "debian-list")!;
    expect(dsa.records).toBe(5406);
    expect(dsa.newest).toBe("2023-03-29T00:00:00.000Z");
    expect(m.feeds.find((f) => f.source.endsWith("go-vulndb.osv.jsonl.gz"))!.records).toBe(4291);
    expect(store.namespaces()).toEqual(
      expect.arrayContaining(["golang", "maven", "npm", "debian:11", "debian:7", "ubuntu:14.04"]),
    );
    // DSA-3029-1 exists both in the OSV sample and DSA.list: merged into one advisory
    const trackerIds = 6 + 1; // six packages × their CVEs in the vunnel sample (one package has two)
    expect(store.advisoryCount()).toBeGreaterThanOrEqual(7 + 4291 + 2 + 5406 - 1 + trackerIds);
  });

  it("looks up candidates by (namespace, name) with their ranges", () => {
    const c = store.lookup("maven", "org.apache.logging.log4j:log4j-core");
    const log4j = c.filter((x) => x.advisoryId === "GHSA-jfh8-c2jp-5v3q");
    expect(log4j).toHaveLength(3);
    expect(log4j[0]!.aliases).toEqual(["CVE-2021-44228"]);
    expect(log4j.map((x) => x.affected.ranges[0]!.events.at(-1))).toEqual([
      { fixed: "2.15.0" },
      { fixed: "2.3.1" },
      { fixed: "2.12.2" },
    ]);
    const nginx = store.lookup("debian:7", "nginx").find((x) => x.advisoryId === "DSA-3029-1")!;
    expect(nginx.affected.fixedVersions).toEqual(["1.2.1-2.2+wheezy3"]);
    expect(store.lookup("debian:11", "xorg-server").map((x) => x.advisoryId)).toContain("DSA-5380-1");
    expect(store.lookup("npm", "no-such-package")).toEqual([]);
    expect(store.lookup("no-such-namespace", "x")).toEqual([]);
    // cached: the same array again
    expect(store.lookup("debian:7", "nginx")).toBe(store.lookup("debian:7", "nginx"));
  });

  it("returns full records, merging the same id from two feeds", () => {
    const dsa = store.getAdvisory("DSA-3029-1")!;
    expect(dsa.aliases).toEqual(["CVE-2014-3616"]);
    expect(dsa.description).toMatch(/Antoine Delignat-Lavaud/);
    expect(dsa.affected.map((a) => a.namespace)).toEqual(["debian:7"]);
    expect(store.getAdvisory("GHSA-jfh8-c2jp-5v3q")!.affected).toHaveLength(3);
    expect(store.getAdvisory("nope")).toBeUndefined();
  });

  it("joins facts for a CVE across feeds (GHSA alias, Debian tracker)", () => {
    const f = store.cveFacts("CVE-2021-44228")!;
    expect(f.severities).toContainEqual(expect.objectContaining({ source: "ghsa", rating: "critical" }));
    const proto = store.cveFacts("CVE-2008-7220")!;
    expect(proto.severities).toContainEqual({ source: "debian", ratingText: "high**", rating: "high" });
    expect(proto.description).toMatch(/Prototype/);
    expect(store.cveFacts("CVE-1900-0001")).toBeUndefined();
  });

  it("finds every advisory by its id although blocks hold them by package, and lists them in id order", () => {
    const hashes = store.advisoryHashes();
    const ids = hashes.map((h) => h.id);
    expect(ids).toEqual([...ids].sort(compareUtf8));
    expect(new Set(ids).size).toBe(store.advisoryCount());
    for (const id of ids) expect(store.advisoryHead(id)?.id, id).toBe(id);
    expect(() => store.verify()).not.toThrow();
    // A package's advisories sit side by side: the Go standard library's 167 GO-… records fill a few
    // blocks (in id order they were spread over about 30 of the Go database's 34).
    const db = new Database(join(dir, "a.sqlite"), { readonly: true });
    const blockOf = new Map<string, number>();
    for (const { bid, data } of db.prepare("SELECT bid, data FROM blocks").all() as {
      bid: number;
      data: Buffer;
    }[])
      for (const id of decodeRecordBlock(data).ids) blockOf.set(id, bid);
    const blockSize = JSON.parse(
      (db.prepare("SELECT value FROM manifest WHERE key = 'blockSize'").get() as { value: string }).value,
    ) as number;
    db.close();
    const std = [...new Set(store.lookup("golang", "stdlib").map((c) => c.advisoryId))];
    expect(std.length).toBeGreaterThan(100);
    const bids = new Set(std.map((id) => blockOf.get(id)));
    expect(bids.size).toBeLessThanOrEqual(Math.ceil(std.length / blockSize) + 1);
  });

  it("finds a record by its id when another record names that id as an alias", async () => {
    const src = join(dir, "alias-src");
    mkdirSync(src);
    const osv = (id: string, aliases: string[], pkg: string) => ({
      schema_version: "1.3.0",
      id,
      modified: "2024-01-01T00:00:00Z",
      aliases,
      summary: `${id} summary`,
      affected: [
        {
          package: { ecosystem: "npm", name: pkg },
          ranges: [{ type: "SEMVER", events: [{ introduced: "0" }, { fixed: "1.0.0" }] }],
        },
      ],
    });
    // The alias sorts before the record that names it, and the two affect packages in the other order.
    writeFileSync(
      join(src, "GHSA-aaaa-aaaa-aaaa.json"),
      JSON.stringify(osv("GHSA-aaaa-aaaa-aaaa", [], "zzz")),
    );
    writeFileSync(
      join(src, "GHSA-bbbb-bbbb-bbbb.json"),
      JSON.stringify(osv("GHSA-bbbb-bbbb-bbbb", ["GHSA-aaaa-aaaa-aaaa"], "aaa")),
    );
    const out = join(dir, "alias.sqlite");
    await buildSnapshot({ sources: [src], out });
    const s = openSnapshot(out);
    try {
      expect(s.advisoryHead("GHSA-aaaa-aaaa-aaaa")?.summary).toBe("GHSA-aaaa-aaaa-aaaa summary");
      expect(s.getAdvisory("GHSA-bbbb-bbbb-bbbb")?.aliases).toEqual(["GHSA-aaaa-aaaa-aaaa"]);
      expect(s.getAdvisory("GHSA-aaaa-aaaa-aaaa")?.affected.map((a) => a.name)).toEqual(["zzz"]);
      expect(s.advisoryHashes().map((h) => h.id)).toEqual(["GHSA-aaaa-aaaa-aaaa", "GHSA-bbbb-bbbb-bbbb"]);
      expect(s.advisoryHead("GHSA-cccc-cccc-cccc")).toBeUndefined();
      expect(() => s.verify()).not.toThrow();
    } finally {
      s.close();
    }
  });

  it("has a content hash independent of build time, and a compact file", async () => {
    const b = join(dir, "b.sqlite");
    const m2 = await buildSnapshot({ sources: SOURCES, out: b, now: new Date("2027-06-01T00:00:00Z") });
    expect(m2.contentHash).toBe(store.manifest.contentHash);
    const gz = (p: string) => gzipSync(readFileSync(p)).length;
    const inputs =
      statSync(`${ADV}osv/go-vulndb.osv.jsonl.gz`).size +
      gz(`${ADV}debian/security-tracker/DSA.list`) +
      gz(`${ADV}debian/vunnel-sample/test-fixtures/input/debian.json`) +
      readdirSync(`${ADV}osv/ghsa-sample`).reduce((n, f) => n + gz(`${ADV}osv/ghsa-sample/${f}`), 0);
    // Regression guard. On the whole corpus the snapshot is 0.91× its gzip'd inputs (docs/advisory-db.md);
    // this small subset is 1.40× (SQLite pages and indexes weigh more on a small file).
    expect(statSync(b).size).toBeLessThan(inputs * 1.5);
    rmSync(b);
  });
});

describe("snapshot build failures", () => {
  it("fails the build with FEED when a source is missing or unreadable, leaving no file behind", async () => {
    const out = join(dir, "fail.sqlite");
    await expect(
      buildSnapshot({ sources: [`${ADV}osv/ghsa-sample`, join(dir, "missing")], out }),
    ).rejects.toMatchObject({
      code: "FEED",
    });
    const bad = join(dir, "bad.jsonl.gz");
    writeFileSync(bad, Buffer.from([0x1f, 0x8b, 8, 0, 1, 2, 3, 4]));
    const err = await buildSnapshot({ sources: [bad], out }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(VigilError);
    expect((err as VigilError).code).toBe("FEED");
    expect((err as VigilError).message).toMatch(/bad\.jsonl\.gz.*gzip/);
    expect(existsSync(out)).toBe(false);
    expect(readdirSync(dir).filter((f) => f.includes(".tmp-"))).toEqual([]);
  });

  it("skips malformed records with a count and names the first few", async () => {
    const f = join(dir, "mixed.jsonl");
    writeFileSync(
      f,
      [
        JSON.stringify({
          id: "OK-1",
          modified: "2024-01-01T00:00:00Z",
          affected: [{ package: { ecosystem: "npm", name: "a" } }],
        }),
        "{not json",
        JSON.stringify({ id: "BAD-1", modified: "x", affected: 5 }),
        JSON.stringify({
          id: "OK-2'); DROP TABLE advisories;--",
          modified: "2024-01-01T00:00:00Z",
          affected: [],
        }),
      ].join("\n"),
    );
    const m = await buildSnapshot({ sources: [`osv=${f}`], out: join(dir, "m.sqlite") });
    expect(m.feeds[0]).toMatchObject({ feed: "osv", records: 2, skipped: 2 });
    expect(m.feeds[0]!.skippedExamples[0]).toMatch(/mixed\.jsonl:2: invalid JSON/);
    const s = openSnapshot(join(dir, "m.sqlite"));
    expect(s.getAdvisory("OK-2'); DROP TABLE advisories;--")!.id).toContain("DROP TABLE");
    s.close();
  });

  it("fails the build when one feed of a source yields nothing but malformed records", async () => {
    // A directory of feeds where the Debian tracker file was cut short: the other feeds read well, but a
    // snapshot without Debian's data would match no Debian package. No snapshot is written.
    const src = join(dir, "cut-feeds");
    mkdirSync(src, { recursive: true });
    const tracker = readFileSync(`${ADV}debian/vunnel-sample/test-fixtures/input/debian.json`);
    writeFileSync(join(src, "debian-tracker.json"), tracker.subarray(0, tracker.length >> 1));
    for (const f of readdirSync(`${ADV}osv/ghsa-sample`))
      copyFileSync(`${ADV}osv/ghsa-sample/${f}`, join(src, f));
    const out = join(dir, "cut.sqlite");
    const err = await buildSnapshot({ sources: [src], out }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(VigilError);
    expect((err as VigilError).code).toBe("FEED");
    expect((err as VigilError).message).toMatch(
      /cut-feeds: debian-tracker: no valid record \(1 malformed: .*invalid JSON/,
    );
    expect(existsSync(out)).toBe(false);
  });

  it("rejects a file that is not a snapshot", () => {
    const f = join(dir, "junk.sqlite");
    writeFileSync(f, "hello");
    expect(() => openSnapshot(f)).toThrow(/not a Vigil advisory snapshot/);
    expect(() => openSnapshot(join(dir, "none.sqlite"))).toThrow(/no advisory database/);
  });
});

describe("snapshot of another layout", () => {
  it("is a clear ADVISORY_DB error, not a SQL error", async () => {
    const { copyFileSync } = await import("node:fs");
    const Database = (await import("better-sqlite3")).default;
    const other = join(dir, "other-layout.sqlite");
    copyFileSync(join(dir, "a.sqlite"), other);
    const db = new Database(other);
    db.exec("ALTER TABLE packages RENAME COLUMN first TO first_name");
    db.close();
    const err = (() => {
      try {
        openSnapshot(other);
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(VigilError);
    expect((err as VigilError).code).toBe("ADVISORY_DB");
    expect((err as VigilError).message).toMatch(/snapshot layout does not match this version of Vigil/);
  });
});

describe("damaged snapshot data", () => {
  it("is an ADVISORY_DB error naming the damaged part, for blocks, records and index chunks", async () => {
    const { copyFileSync } = await import("node:fs");
    const Database = (await import("better-sqlite3")).default;
    const { decodeRecordBlock } = await import("./codec.js");
    const bad = join(dir, "damaged.sqlite");
    copyFileSync(join(dir, "a.sqlite"), bad);
    const db = new Database(bad);
    const id = store.advisoryHashes()[0]!.id;
    const ns = store.namespaces()[0]!;
    const name = store.packageNames(ns)[0]!;
    // a block whose compressed bytes are garbage
    db.prepare("UPDATE blocks SET data = ? WHERE bid = 0").run(Buffer.from([4, 1, 2, 3, 4, 5]));
    // block 1: its first record's JSON cut short, the others intact (a valid block otherwise)
    const row = db.prepare("SELECT data FROM blocks WHERE bid = 1").get() as { data: Buffer };
    const blk = decodeRecordBlock<unknown>(row.data);
    const parts = blk.ids.map((_, i) => Buffer.from(JSON.stringify(blk.record(i))));
    parts[0] = Buffer.from('{"r":{"summary":');
    const head = Buffer.from(`${JSON.stringify({ i: blk.ids, n: parts.map((x) => x.length) })}\n`);
    const { brotliCompressSync } = await import("node:zlib");
    const body = Buffer.concat([Buffer.of(4), brotliCompressSync(Buffer.concat([head, ...parts]))]);
    db.prepare("UPDATE blocks SET data = ? WHERE bid = 1").run(body);
    // a package index chunk that is not JSON
    db.prepare("UPDATE packages SET data = ? WHERE namespace = ?").run(Buffer.from([0, 0x7b]), ns);
    db.close();
    const s = openSnapshot(bad);
    try {
      const expectDamaged = (f: () => unknown, what: RegExp) => {
        let err: unknown;
        try {
          f();
        } catch (e) {
          err = e;
        }
        expect(err).toBeInstanceOf(VigilError);
        expect((err as VigilError).code).toBe("ADVISORY_DB");
        expect((err as VigilError).message).toMatch(what);
        expect((err as VigilError).message).toMatch(/run `vigil db update`/);
      };
      expectDamaged(() => s.advisoryHead(id), /damaged advisory block/);
      expectDamaged(() => s.lookup(ns, name), /damaged package index chunk/);
      expectDamaged(() => s.advisoryHead(blk.ids[0]!), /damaged advisory record/);
      // the rest of block 1 still reads
      expect(s.advisoryHead(blk.ids[1]!)?.id).toBe(blk.ids[1]);
    } finally {
      s.close();
    }
  });

  it("reads a package index chunk one name at a time: a name with malformed entries fails alone", async () => {
    const { copyFileSync } = await import("node:fs");
    const Database = (await import("better-sqlite3")).default;
    const { decodeRecordBlock, encodeRecordBlock } = await import("./codec.js");
    const bad = join(dir, "damaged-entries.sqlite");
    copyFileSync(join(dir, "a.sqlite"), bad);
    const db = new Database(bad);
    // a chunk with at least two names
    const rows = db.prepare("SELECT namespace, first, data FROM packages").all() as {
      namespace: string;
      first: string;
      data: Buffer;
    }[];
    const target = rows.find((r) => decodeRecordBlock<unknown>(r.data).ids.length >= 2)!;
    expect(target).toBeDefined();
    const blk = decodeRecordBlock<unknown>(target.data);
    const records = blk.ids.map((_, i) => blk.record(i));
    const good = store.lookup(target.namespace, blk.ids[1]!);
    expect(good.length).toBeGreaterThan(0);
    records[0] = { not: "a list of entries" };
    db.prepare("UPDATE packages SET data = ? WHERE namespace = ? AND first = ?").run(
      encodeRecordBlock(blk.ids, records),
      target.namespace,
      target.first,
    );
    db.close();
    const s = openSnapshot(bad);
    try {
      let err: unknown;
      try {
        s.lookup(target.namespace, blk.ids[0]!);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(VigilError);
      expect((err as VigilError).code).toBe("ADVISORY_DB");
      expect((err as VigilError).message).toMatch(/damaged package index chunk \(malformed entries for /);
      // its neighbour in the same chunk still reads, with the same candidates as the intact snapshot
      expect(s.lookup(target.namespace, blk.ids[1]!)).toEqual(good);
      expect(s.packageNames(target.namespace)).toEqual(store.packageNames(target.namespace));
    } finally {
      s.close();
    }
  });
});
