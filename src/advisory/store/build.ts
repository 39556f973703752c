/**
 * Builds an immutable snapshot from feed sources: parse → stage (temp table) → merge by id in id order →
 * write compressed records and the (namespace, name) index → manifest with a content hash that depends
 * only on the records → VACUUM → atomic rename onto `out`.
 */
import { createHash, randomBytes } from "node:crypto";
import { mkdirSync, renameSync, rmSync } from "node:fs";
import { dirname } from "node:path";
import Database from "better-sqlite3";
import { VigilError } from "../../core/errors.js";
import { type Logger, silentLogger } from "../../core/logger.js";
import { v8TuningForHeavyWork } from "../../core/v8-flags.js";
import { detectFeed, feedByName } from "../feeds/index.js";
import { expandSource } from "../feeds/input.js";
import type { Feed, FeedContext, FeedItem } from "../feeds/types.js";
import { isAdvisory, isEpss, isKev } from "../feeds/types.js";
import type { AdvisoryRecord, FeedStats, KevEntry, SeverityEntry, SnapshotManifest } from "../types.js";
import { compareUtf8, decodeJson, encodeBlock, encodeJson, encodeRecordBlock } from "./codec.js";
import { computeContentHash, hashEnrichment, readCveChunks, recordHash } from "./hash.js";
import { mergeRecords } from "./merge.js";
import {
  BLOCK_SIZE,
  CHUNK_KEYS,
  CVE_KEYS,
  type CveChunk,
  DDL,
  type EpssRow,
  type PackageEntry,
  REF_KEYS,
  type RefChunk,
  SCHEMA_VERSION,
  type StoredRecord,
} from "./schema.js";

export interface FeedSource {
  /** Local path (file or directory). URLs are downloaded by the caller (see fetch.ts) first. */
  path: string;
  /** Feed name to force (`osv`, `debian-tracker`, …); auto-detected per file when absent. */
  feed?: string;
  /** Name shown in the manifest (the URL a file was downloaded from); defaults to the path. */
  label?: string;
}

export interface BuildOptions {
  sources: (string | FeedSource)[];
  out: string;
  logger?: Logger;
  /** Build time to record (tests); defaults to now. */
  now?: Date;
}

const MAX_SKIP_EXAMPLES = 5;
const PAGE_SIZE = Number(process.env.VIGIL_PAGE_SIZE ?? 1024);

/** `osv=/path` → { feed: "osv", path }; anything else is a path. */
export function parseSourceSpec(spec: string | FeedSource): FeedSource {
  if (typeof spec !== "string") return spec;
  const m = /^([a-z][a-z0-9-]*)=(.+)$/.exec(spec);
  if (m && feedByName(m[1]!)) return { feed: m[1]!, path: m[2]! };
  return { path: spec };
}

class Stats {
  readonly byFeed = new Map<string, FeedStats>();
  get(feed: string, source: string): FeedStats {
    const k = `${feed}\u0000${source}`;
    let s = this.byFeed.get(k);
    if (!s) {
      s = { feed, source, records: 0, skipped: 0, skippedExamples: [] };
      this.byFeed.set(k, s);
    }
    return s;
  }
}

function itemDate(item: FeedItem): string | undefined {
  if (isAdvisory(item)) return item.modified ?? item.published;
  if (isKev(item)) return item.dateAdded;
  if (isEpss(item)) return item.date;
  return undefined;
}

export async function buildSnapshot(opts: BuildOptions): Promise<SnapshotManifest> {
  v8TuningForHeavyWork(); // a CLI run's V8 flags, if it enabled them (src/core/v8-flags.ts)
  const logger = opts.logger ?? silentLogger();
  const sources = opts.sources.map(parseSourceSpec);
  if (sources.length === 0) throw new VigilError("USAGE", "no feed sources given");
  for (const s of sources)
    if (s.feed && !feedByName(s.feed)) throw new VigilError("USAGE", `unknown feed "${s.feed}"`);
  mkdirSync(dirname(opts.out), { recursive: true });
  const tmp = `${opts.out}.tmp-${process.pid}-${randomBytes(4).toString("hex")}`;
  const db = new Database(tmp);
  try {
    db.pragma(`page_size = ${PAGE_SIZE}`);
    db.pragma("journal_mode = OFF");
    db.pragma("synchronous = OFF");
    db.pragma("temp_store = FILE");
    db.exec(DDL);
    db.exec("CREATE TEMP TABLE stage (seq INTEGER PRIMARY KEY, id TEXT NOT NULL, data BLOB NOT NULL)");
    db.exec("CREATE INDEX temp.stage_id ON stage (id, seq)");
    const stage = db.prepare("INSERT INTO stage (id, data) VALUES (?, ?)");
    db.exec("CREATE TEMP TABLE kev_stage (cve TEXT PRIMARY KEY, data TEXT NOT NULL) WITHOUT ROWID");
    db.exec(
      "CREATE TEMP TABLE epss_stage (cve TEXT PRIMARY KEY, score REAL NOT NULL, percentile REAL NOT NULL, date TEXT) WITHOUT ROWID",
    );
    const kevIns = db.prepare("INSERT OR REPLACE INTO temp.kev_stage (cve, data) VALUES (?, ?)");
    const epssIns = db.prepare(
      "INSERT OR REPLACE INTO temp.epss_stage (cve, score, percentile, date) VALUES (?, ?, ?, ?)",
    );
    const stats = new Stats();
    const started = Date.now();

    for (const src of sources) {
      const label = src.label ?? src.path;
      const forced = src.feed ? feedByName(src.feed) : undefined;
      let files = 0;
      let recognised = 0;
      let produced = 0;
      let fileErrors = 0;
      const sourceSkips: string[] = [];
      const outerCtx: FeedContext = {
        skip(name, reason) {
          fileErrors++;
          if (sourceSkips.length < MAX_SKIP_EXAMPLES) sourceSkips.push(`${name}: ${reason}`);
        },
      };
      let batch: (() => void)[] = [];
      const flush = db.transaction((fns: (() => void)[]) => {
        for (const f of fns) f();
      });
      try {
        for await (const file of expandSource(src.path, outerCtx)) {
          files++;
          const feed: Feed | undefined = forced ?? detectFeed(file);
          if (!feed) {
            logger.debug(`no feed recognises ${file.name}; ignored`);
            continue;
          }
          recognised++;
          const st = stats.get(feed.name, label);
          const ctx: FeedContext = {
            skip(name, reason) {
              st.skipped++;
              if (st.skippedExamples.length < MAX_SKIP_EXAMPLES)
                st.skippedExamples.push(`${name}: ${reason}`);
            },
          };
          for await (const item of feed.parse(file, ctx)) {
            produced++;
            st.records++;
            const d = itemDate(item);
            if (d && (!st.newest || d > st.newest)) st.newest = d;
            if (isAdvisory(item)) {
              const rec = item;
              batch.push(() => stage.run(rec.id, encodeJson(rec, 1 << 30)));
            } else if (isKev(item)) {
              const k = item;
              batch.push(() => kevIns.run(k.cveId, JSON.stringify(k)));
            } else if (isEpss(item)) {
              const e = item;
              batch.push(() => epssIns.run(e.cveId, e.score, e.percentile, e.date ?? null));
            }
            if (batch.length >= 2000) {
              flush(batch);
              batch = [];
            }
          }
        }
        flush(batch);
        batch = [];
      } catch (e) {
        throw new VigilError("FEED", `feed source ${label}: ${(e as Error).message}`, { cause: e });
      }
      if (files === 0) throw new VigilError("FEED", `feed source ${label}: no files`);
      if (recognised === 0)
        throw new VigilError(
          "FEED",
          `feed source ${label}: no recognisable feed data${fileErrors ? ` (${sourceSkips[0]})` : ""}`,
        );
      const feedStats = [...stats.byFeed.values()].filter((s) => s.source === label);
      if (produced === 0) {
        const why = feedStats.flatMap((s) => s.skippedExamples)[0] ?? sourceSkips[0] ?? "no records";
        throw new VigilError("FEED", `feed source ${label}: no valid records (${why})`);
      }
      // A feed of which nothing was read (a Debian tracker or KEV catalog cut short in download, beside
      // other feeds that read well) would build a snapshot silently missing that feed's advisories: every
      // package it covers would match nothing. That is a failed feed, not a few malformed records.
      for (const s of feedStats) {
        if (s.records === 0 && s.skipped > 0)
          throw new VigilError(
            "FEED",
            `feed source ${label}: ${s.feed}: no valid record (${s.skipped} malformed: ${s.skippedExamples[0] ?? "?"})`,
          );
      }
      if (fileErrors) {
        const s = feedStats[0]!;
        s.skipped += fileErrors;
        for (const x of sourceSkips)
          if (s.skippedExamples.length < MAX_SKIP_EXAMPLES) s.skippedExamples.push(x);
      }
      for (const s of feedStats) {
        logger.progress(
          `${s.feed}: ${s.records} records from ${label}${s.skipped ? ` (${s.skipped} skipped)` : ""}`,
        );
        if (s.skipped)
          logger.warn(
            `${s.feed}: skipped ${s.skipped} malformed record(s) in ${label}: ${s.skippedExamples.join("; ")}`,
          );
      }
    }

    const manifest = finalize(db, stats, opts.now ?? new Date());
    logger.debug(`snapshot built in ${Date.now() - started} ms`);
    db.exec("DROP TABLE temp.stage");
    db.exec("DROP TABLE temp.kev_stage");
    db.exec("DROP TABLE temp.epss_stage");
    db.exec("VACUUM");
    db.close();
    renameSync(tmp, opts.out);
    return manifest;
  } catch (e) {
    try {
      if (db.open) db.close();
    } catch {
      /* already closed */
    }
    rmSync(tmp, { force: true });
    throw e;
  }
}

function finalize(db: Database.Database, stats: Stats, now: Date): SnapshotManifest {
  db.exec(
    "CREATE TEMP TABLE aff_stage (namespace TEXT NOT NULL, name TEXT NOT NULL, id TEXT NOT NULL, ord INTEGER NOT NULL, data TEXT NOT NULL, PRIMARY KEY (namespace, name, id, ord)) WITHOUT ROWID",
  );
  // Merged records, ordered for their blocks: by the first package they affect, then id (see `write`).
  db.exec(
    "CREATE TEMP TABLE merged (key TEXT NOT NULL, id TEXT NOT NULL, data BLOB NOT NULL, PRIMARY KEY (key, id)) WITHOUT ROWID",
  );
  db.exec(
    "CREATE TEMP TABLE ref_stage (alias TEXT NOT NULL, pos INTEGER NOT NULL, PRIMARY KEY (alias, pos)) WITHOUT ROWID",
  );
  const insBlock = db.prepare("INSERT INTO blocks (bid, first, data) VALUES (?, ?, ?)");
  const insAff = db.prepare(
    "INSERT OR IGNORE INTO temp.aff_stage (namespace, name, id, ord, data) VALUES (?, ?, ?, ?, ?)",
  );
  const insMerged = db.prepare("INSERT INTO temp.merged (key, id, data) VALUES (?, ?, ?)");
  const insRef = db.prepare("INSERT OR IGNORE INTO temp.ref_stage (alias, pos) VALUES (?, ?)");
  const content = createHash("sha256");
  const nsHash = new Map<string, { h: ReturnType<typeof createHash>; records: number; packages: number }>();
  let count = 0;
  let enrichmentCounts = { kev: 0, epss: 0 };
  let block: StoredRecord[] = [];
  let bid = 0;

  const flushBlock = () => {
    if (block.length === 0) return;
    insBlock.run(
      bid,
      block[0]!.r.id as string,
      encodeRecordBlock(
        block.map((st) => st.r.id as string),
        // the header line lists the ids: each record's own copy is left out (readers put it back)
        block.map((st) => {
          const { id: _id, ...r } = st.r;
          return { ...st, r };
        }),
      ),
    );
    bid++;
    block = [];
  };

  /**
   * First pass, in id order: merge an id's records, hash them (the content and namespace hashes are
   * over records in id order, whatever their layout), and stage the merged record under its block key:
   * the first package it affects (namespace, then name), or after every package when it affects none.
   * Blocks then hold a package's advisories side by side, so a match reads the few blocks of the
   * packages it looks up instead of one block per advisory id scattered over the id range.
   */
  const merge = (group: AdvisoryRecord[]) => {
    const rec = mergeRecords(group);
    count++;
    const hash = recordHash(rec);
    content.update(`${rec.id}\u0000${hash}\n`);
    let key: string | undefined;
    const seen = new Set<string>();
    for (const a of rec.affected) {
      const k = `${a.namespace}\u0000${a.name}`;
      if (key === undefined || compareUtf8(k, key) < 0) key = k;
      let n = nsHash.get(a.namespace);
      if (!n) nsHash.set(a.namespace, (n = { h: createHash("sha256"), records: 0, packages: 0 }));
      if (!seen.has(a.namespace)) {
        seen.add(a.namespace);
        n.records++;
        n.h.update(`${rec.id}\u0000${hash}\n`);
      }
    }
    insMerged.run(key ?? "\uffff", rec.id, encodeJson({ rec, hash }, Number.POSITIVE_INFINITY));
  };

  /** Second pass, in block order: give the record its position, its block slot and its index entries. */
  const write = (rec: AdvisoryRecord, hash: string) => {
    const pos = bid * BLOCK_SIZE + block.length;
    const { affected, ...rest } = rec;
    const keys = new Map<string, [string, string]>();
    const sevs = new Map<string, SeverityEntry>();
    for (const a of affected) {
      keys.set(`${a.namespace}\u0000${a.name}`, [a.namespace, a.name]);
      if (a.severity) sevs.set(JSON.stringify(a.severity), a.severity);
    }
    const stored: StoredRecord = { r: rest as Record<string, unknown>, k: [...keys.values()], h: hash };
    if (sevs.size > 0) stored.s = [...sevs.values()];
    block.push(stored);
    if (block.length >= BLOCK_SIZE) flushBlock();
    // the record's own id is in the alias index too: blocks are not in id order, so an id is found there
    insRef.run(rec.id, pos);
    for (const a of rec.aliases) insRef.run(a, pos);
    affected.forEach((a, ord) => {
      const { namespace, name, ...body } = a;
      insAff.run(namespace, name, rec.id, ord, JSON.stringify([rec.id, rec.source, rec.aliases, body]));
    });
  };

  const run = db.transaction(() => {
    let group: AdvisoryRecord[] = [];
    let curId: string | undefined;
    // better-sqlite3 cannot write while a statement iterates: read the stage in keyset pages.
    const page = db.prepare(
      "SELECT seq, id, data FROM temp.stage WHERE (id, seq) > (?, ?) ORDER BY id, seq LIMIT 2000",
    );
    let after: [string, number] = ["", -1];
    while (true) {
      const rows = page.all(after[0], after[1]) as { seq: number; id: string; data: Buffer }[];
      if (rows.length === 0) break;
      for (const row of rows) {
        if (row.id !== curId && group.length) {
          merge(group);
          group = [];
        }
        curId = row.id;
        group.push(decodeJson<AdvisoryRecord>(row.data));
      }
      const last = rows.at(-1)!;
      after = [last.id, last.seq];
    }
    if (group.length) merge(group);

    const mergedPage = db.prepare(
      "SELECT key, id, data FROM temp.merged WHERE (key, id) > (?, ?) ORDER BY key, id LIMIT 2000",
    );
    let mc: [string, string] = ["", ""];
    while (true) {
      const rows = mergedPage.all(...mc) as { key: string; id: string; data: Buffer }[];
      if (rows.length === 0) break;
      for (const row of rows) {
        const { rec, hash } = decodeJson<{ rec: AdvisoryRecord; hash: string }>(row.data);
        write(rec, hash);
      }
      const last = rows.at(-1)!;
      mc = [last.key, last.id];
    }
    flushBlock();

    // The index: per namespace, chunks of CHUNK_KEYS consecutive package names.
    const insPkg = db.prepare("INSERT INTO packages (namespace, first, data) VALUES (?, ?, ?)");
    const affPage = db.prepare(
      "SELECT namespace, name, id, ord, data FROM temp.aff_stage WHERE (namespace, name, id, ord) > (?, ?, ?, ?) ORDER BY namespace, name, id, ord LIMIT 5000",
    );
    let chunkNs: string | undefined;
    let names: string[] = [];
    let entries: PackageEntry[][] = [];
    const flushChunk = () => {
      if (chunkNs === undefined || names.length === 0) return;
      insPkg.run(chunkNs, names[0], encodeRecordBlock(names, entries));
      nsHash.get(chunkNs)!.packages += names.length;
      names = [];
      entries = [];
    };
    let cursor: [string, string, string, number] = ["", "", "", -1];
    while (true) {
      const rows = affPage.all(...cursor) as {
        namespace: string;
        name: string;
        id: string;
        ord: number;
        data: string;
      }[];
      if (rows.length === 0) break;
      for (const r of rows) {
        const newNs = r.namespace !== chunkNs;
        const newKey = newNs || names.at(-1) !== r.name;
        if (newNs || (newKey && names.length >= CHUNK_KEYS)) {
          flushChunk();
          chunkNs = r.namespace;
        }
        if (newKey) {
          names.push(r.name);
          entries.push([]);
        }
        const [id, source, aliases, body] = JSON.parse(r.data) as [
          string,
          string,
          string[],
          Record<string, unknown>,
        ];
        entries.at(-1)!.push([id, source, aliases, r.ord, body]);
      }
      const l = rows.at(-1)!;
      cursor = [l.namespace, l.name, l.id, l.ord];
    }
    flushChunk();

    // Alias → positions, in sorted chunks.
    const insRefChunk = db.prepare("INSERT INTO refs (first, data) VALUES (?, ?)");
    const refPage = db.prepare(
      "SELECT alias, pos FROM temp.ref_stage WHERE (alias, pos) > (?, ?) ORDER BY alias, pos LIMIT 5000",
    );
    let refChunk: RefChunk = { a: [], p: [] };
    const flushRefs = () => {
      if (refChunk.a.length) insRefChunk.run(refChunk.a[0], encodeBlock(refChunk));
      refChunk = { a: [], p: [] };
    };
    let rc: [string, number] = ["", -1];
    while (true) {
      const rows = refPage.all(...rc) as { alias: string; pos: number }[];
      if (rows.length === 0) break;
      for (const r of rows) {
        if (refChunk.a.at(-1) === r.alias) refChunk.p.at(-1)!.push(r.pos);
        else {
          if (refChunk.a.length >= REF_KEYS) flushRefs();
          refChunk.a.push(r.alias);
          refChunk.p.push([r.pos]);
        }
      }
      const l = rows.at(-1)!;
      rc = [l.alias, l.pos];
    }
    flushRefs();

    const kevRows = (
      db.prepare("SELECT cve, data FROM temp.kev_stage ORDER BY cve").all() as { cve: string; data: string }[]
    ).map((r): [string, KevEntry] => [r.cve, JSON.parse(r.data) as KevEntry]);
    const epssRows = (
      db.prepare("SELECT cve, score, percentile, date FROM temp.epss_stage ORDER BY cve").all() as {
        cve: string;
        score: number;
        percentile: number;
        date: string | null;
      }[]
    ).map((r): [string, EpssRow] => [r.cve, [r.score, r.percentile, r.date]]);
    writeCveChunks(db, "kev", kevRows);
    writeCveChunks(db, "epss", epssRows);
    enrichmentCounts = { kev: kevRows.length, epss: epssRows.length };
    hashEnrichment(content, kevRows, epssRows);
    const insNs = db.prepare(
      "INSERT INTO namespaces (namespace, records, packages, hash) VALUES (?, ?, ?, ?)",
    );
    for (const [ns, n] of [...nsHash.entries()].sort((a, b) => (a[0] < b[0] ? -1 : 1)))
      insNs.run(ns, n.records, n.packages, n.h.digest("hex"));
  });
  run();
  db.exec("DROP TABLE temp.aff_stage");
  db.exec("DROP TABLE temp.merged");
  db.exec("DROP TABLE temp.ref_stage");

  const manifest: SnapshotManifest = {
    schemaVersion: SCHEMA_VERSION,
    builtAt: now.toISOString(),
    contentHash: `sha256:${content.digest("hex")}`,
    feeds: [...stats.byFeed.values()],
    namespaces: [...nsHash.entries()]
      .sort((a, b) => (a[0] < b[0] ? -1 : 1))
      .map(([namespace, n]) => ({ namespace, records: n.records })),
  };
  const put = db.prepare("INSERT INTO manifest (key, value) VALUES (?, ?)");
  put.run("schemaVersion", JSON.stringify(manifest.schemaVersion));
  put.run("builtAt", JSON.stringify(manifest.builtAt));
  put.run("contentHash", JSON.stringify(manifest.contentHash));
  put.run("feeds", JSON.stringify(manifest.feeds));
  put.run("advisories", JSON.stringify(count));
  put.run("blockSize", JSON.stringify(BLOCK_SIZE));
  put.run("kev", JSON.stringify(enrichmentCounts.kev));
  put.run("epss", JSON.stringify(enrichmentCounts.epss));
  return manifest;
}

function writeCveChunks<T>(db: Database.Database, table: "kev" | "epss", rows: [string, T][]): void {
  const ins = db.prepare(`INSERT INTO ${table} (first, data) VALUES (?, ?)`);
  for (let i = 0; i < rows.length; i += CVE_KEYS) {
    const part = rows.slice(i, i + CVE_KEYS);
    const chunk: CveChunk<T> = { a: part.map((r) => r[0]), v: part.map((r) => r[1]) };
    ins.run(chunk.a[0], encodeBlock(chunk));
  }
}

export { computeContentHash, hashEnrichment, readCveChunks, recordHash };
