/** Read side of a snapshot: prepared statements + in-process caches so repeated lookups cost microseconds. */
import { existsSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { VigilError } from "../../core/errors.js";
import { dataDir } from "../../core/paths.js";
import { normalizePackageName } from "../namespaces.js";
import type {
  AdvisoryCandidate,
  AdvisoryHead,
  AdvisoryRecord,
  AdvisoryStore,
  AffectedPackage,
  CveFacts,
  EpssEntry,
  FeedStats,
  KevEntry,
  SeverityEntry,
  SnapshotManifest,
} from "../types.js";
import { compareUtf8, decodeJson, decodeRecordBlock, type RecordBlock } from "./codec.js";
import { computeContentHash } from "./hash.js";
import {
  BLOCK_SIZE,
  type CveChunk,
  type EpssRow,
  type PackageEntry,
  REQUIRED_TABLES,
  type RefChunk,
  SCHEMA_VERSION,
  type StoredRecord,
} from "./schema.js";

/** Where `vigil db` keeps the current snapshot: `${dataDir()}/db/current.sqlite`. */
export function defaultSnapshotPath(): string {
  return join(dataDir(), "db", "current.sqlite");
}

export interface OpenOptions {
  /** Package keys kept in the lookup cache (default 200,000). */
  cacheSize?: number;
}

export interface NamespaceInfo {
  namespace: string;
  records: number;
  packages: number;
  hash: string;
}

/** The store plus what `vigil db` needs (status, diff, verification). */
export interface SnapshotStore extends AdvisoryStore {
  readonly path: string;
  advisoryCount(): number;
  namespaceInfo(): NamespaceInfo[];
  /** Every advisory id with its content hash, in id order. */
  advisoryHashes(): { id: string; hash: string; withdrawn: string | null }[];
  /** Package keys (namespace, name) an advisory touches. */
  packageKeys(id: string): { namespace: string; name: string }[];
  /** Every package name of a namespace (for benchmarks and tools). */
  packageNames(namespace: string): string[];
  enrichmentCounts(): { kev: number; epss: number };
  /** SQLite integrity check + re-hash of every record against the manifest; throws ADVISORY_DB when bad. */
  verify(): void;
}

type AffBody = Omit<AffectedPackage, "namespace" | "name">;

interface DecodedChunk {
  names: Map<string, number>;
  /** The entries of the name at `slot`, parsed on first use. */
  entries(slot: number): PackageEntry[];
}

export function openSnapshot(path: string, opts: OpenOptions = {}): SnapshotStore {
  if (!existsSync(path))
    throw new VigilError(
      "ADVISORY_DB",
      `no advisory database at ${path}; run \`vigil db update\` or \`vigil db build\``,
    );
  let db: Database.Database;
  try {
    db = new Database(path, { readonly: true, fileMustExist: true });
  } catch (e) {
    throw new VigilError("ADVISORY_DB", `${path}: cannot open advisory snapshot (${(e as Error).message})`, {
      cause: e,
    });
  }
  let meta: Map<string, unknown>;
  try {
    const tables = new Set(
      (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as { name: string }[]).map(
        (r) => r.name,
      ),
    );
    const missing = REQUIRED_TABLES.filter((t) => !tables.has(t));
    if (missing.length) throw new Error(`missing tables ${missing.join(", ")}`);
    meta = new Map(
      (db.prepare("SELECT key, value FROM manifest").all() as { key: string; value: string }[]).map((r) => [
        r.key,
        JSON.parse(r.value) as unknown,
      ]),
    );
  } catch (e) {
    db.close();
    throw new VigilError(
      "ADVISORY_DB",
      `${path} is not a Vigil advisory snapshot (${(e as Error).message})`,
      {
        cause: e,
      },
    );
  }
  const schemaVersion = meta.get("schemaVersion");
  if (schemaVersion !== SCHEMA_VERSION) {
    db.close();
    throw new VigilError(
      "ADVISORY_DB",
      `${path}: snapshot schema version ${String(schemaVersion)} is not supported (expected ${SCHEMA_VERSION}); run \`vigil db update\``,
    );
  }
  // A snapshot of another layout (a development build, a damaged file) fails here: say so clearly.
  const prepared = (() => {
    try {
      const nsRows = db
        .prepare("SELECT namespace, records, packages, hash FROM namespaces ORDER BY namespace")
        .all() as NamespaceInfo[];
      const manifest: SnapshotManifest = {
        schemaVersion: SCHEMA_VERSION,
        builtAt: String(meta.get("builtAt")),
        contentHash: String(meta.get("contentHash")),
        feeds: (meta.get("feeds") as FeedStats[]) ?? [],
        namespaces: nsRows.map((r) => ({ namespace: r.namespace, records: r.records })),
      };
      const nsSet = new Set(nsRows.map((r) => r.namespace));
      const blockSize =
        typeof meta.get("blockSize") === "number" ? (meta.get("blockSize") as number) : BLOCK_SIZE;

      // the package index's layout, checked up front (lookups read it by binary search, see chunkFor)
      db.prepare("SELECT first, data FROM packages WHERE namespace = ? AND first = ?");
      const qBlock = db.prepare("SELECT data FROM blocks WHERE bid = ?");
      const qRefFirsts = db.prepare("SELECT first FROM refs ORDER BY first");
      const qRefs = db.prepare("SELECT data FROM refs WHERE first = ?");
      const qKev = db.prepare("SELECT first, data FROM kev WHERE first <= ? ORDER BY first DESC LIMIT 1");
      const qEpss = db.prepare("SELECT first, data FROM epss WHERE first <= ? ORDER BY first DESC LIMIT 1");
      return { nsRows, manifest, nsSet, blockSize, qBlock, qRefFirsts, qRefs, qKev, qEpss };
    } catch (e) {
      db.close();
      throw new VigilError(
        "ADVISORY_DB",
        `${path}: snapshot layout does not match this version of Vigil (${(e as Error).message}); rebuild it with \`vigil db build\` or \`vigil db update\``,
        { cause: e },
      );
    }
  })();
  const { nsRows, manifest, nsSet, blockSize, qBlock, qRefFirsts, qRefs, qKev, qEpss } = prepared;
  /** Decoding a stored blob; a damaged one is an ADVISORY_DB error naming what to do, not a crash. */
  const damaged = <T>(what: string, f: () => T): T => {
    try {
      return f();
    } catch (e) {
      throw new VigilError(
        "ADVISORY_DB",
        `${path}: damaged ${what} (${(e as Error).message}); run \`vigil db update\` or \`vigil db build\``,
        { cause: e },
      );
    }
  };
  const cveChunkCache = new Map<string, Map<string, unknown>>();
  const cveFirsts = new Map<string, string[]>();
  const cveLookup = <T>(table: "kev" | "epss", _q: typeof qKev, cve: string): T | undefined => {
    let firsts = cveFirsts.get(table);
    if (!firsts) {
      firsts = (db.prepare(`SELECT first FROM ${table} ORDER BY first`).all() as { first: string }[]).map(
        (r) => r.first,
      );
      cveFirsts.set(table, firsts);
    }
    const first = floorKey(firsts, cve);
    if (first === undefined) return undefined;
    const ck = `${table}\u0000${first}`;
    let m = cveChunkCache.get(ck);
    if (!m) {
      const row = db.prepare(`SELECT data FROM ${table} WHERE first = ?`).get(first) as
        | { data: Buffer }
        | undefined;
      if (!row) return undefined;
      const c = damaged(`${table} chunk`, () => decodeJson<CveChunk<unknown>>(row.data));
      m = new Map(c.a.map((a, i) => [a, c.v[i]]));
      remember(cveChunkCache, ck, m, 4096);
    }
    return m.get(cve) as T | undefined;
  };

  const cacheSize = opts.cacheSize ?? 200_000;
  const cache = new Map<string, AdvisoryCandidate[]>();
  const chunkCache = new Map<string, DecodedChunk>();
  const blockCache = new Map<number, { block: RecordBlock<StoredRecord>; slots: Map<string, number> }>();
  const refCache = new Map<string, Map<string, number[]>>();

  const remember = <K, V>(m: Map<K, V>, k: K, v: V, max: number) => {
    if (m.size >= max) m.delete(m.keys().next().value as K);
    m.set(k, v);
  };

  // The first names of a namespace's chunks, loaded once: a lookup is a binary search, not a query,
  // and a chunk's data is read (and decoded) only when it is not cached yet.
  const qFirsts = db.prepare("SELECT first FROM packages WHERE namespace = ? ORDER BY first");
  const qChunkData = db.prepare("SELECT data FROM packages WHERE namespace = ? AND first = ?");
  const firstsByNs = new Map<string, string[]>();
  /** Index of the last key <= `key` (SQLite's order), or -1. */
  const floorIndex = (keys: readonly string[], key: string): number => {
    let lo = 0;
    let hi = keys.length - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (compareUtf8(keys[mid]!, key) <= 0) {
        found = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return found;
  };
  const floorKey = (keys: readonly string[], key: string): string | undefined => {
    const i = floorIndex(keys, key);
    return i < 0 ? undefined : keys[i];
  };

  /** The chunk that would hold `name` in `namespace`. */
  const chunkFor = (namespace: string, name: string): DecodedChunk | undefined => {
    let firsts = firstsByNs.get(namespace);
    if (!firsts) {
      firsts = (qFirsts.all(namespace) as { first: string }[]).map((r) => r.first);
      firstsByNs.set(namespace, firsts);
    }
    const first = floorKey(firsts, name);
    if (first === undefined) return undefined;
    const ck = `${namespace}\u0000${first}`;
    let c = chunkCache.get(ck);
    if (!c) {
      const row = qChunkData.get(namespace, first) as { data: Buffer } | undefined;
      if (!row) return undefined;
      const block = damaged("package index chunk", () => decodeRecordBlock<PackageEntry[]>(row.data));
      c = {
        names: new Map(block.ids.map((n, i) => [n, i])),
        entries: (slot) =>
          damaged("package index chunk", () => {
            const list = block.record(slot);
            if (!Array.isArray(list) || !list.every((e) => Array.isArray(e) && e.length === 5))
              throw new Error(`malformed entries for ${block.ids[slot]}`);
            return list;
          }),
      };
      remember(chunkCache, ck, c, 4096);
    }
    return c;
  };

  const candidates = (namespace: string, name: string): AdvisoryCandidate[] | undefined => {
    const c = chunkFor(namespace, name);
    const i = c?.names.get(name);
    if (!c || i === undefined) return undefined;
    return c.entries(i).map(([advisoryId, source, aliases, , body]) => ({
      advisoryId,
      aliases,
      source,
      affected: { namespace, name, ...(body as AffBody) },
    }));
  };

  /** A block's ids (and slot index); its records are parsed one by one as they are read. */
  const blockAt = (bid: number) => {
    let b = blockCache.get(bid);
    if (!b) {
      const row = qBlock.get(bid) as { data: Buffer } | undefined;
      if (!row) return undefined;
      const raw = damaged("advisory block", () => decodeRecordBlock<StoredRecord>(row.data));
      // A stored record's id lives in the block's header line only: give each record its id back.
      const block: RecordBlock<StoredRecord> = {
        ids: raw.ids,
        record(slot) {
          const st = damaged("advisory record", () => raw.record(slot));
          if (st && st.r.id === undefined) st.r = { id: raw.ids[slot], ...st.r };
          return st;
        },
      };
      b = { block, slots: new Map(block.ids.map((id, i) => [id, i])) };
      remember(blockCache, bid, b, 1024); // ≤ ~80 MB of decompressed blocks
    }
    return b;
  };

  // Refs chunk first keys, loaded on first use: an id or alias is found by binary search.
  let refFirsts: string[] | undefined;

  /**
   * Position of an advisory id, or undefined. Blocks hold records by package, not in id order: the alias
   * index lists each record under its own id too, and of the positions listed under `id` (the record, and
   * records that name it as an alias) the one whose block slot holds `id` is the record.
   */
  const posOf = (id: string): number | undefined => {
    for (const pos of refsOf(id)) {
      if (blockAt(Math.floor(pos / blockSize))?.block.ids[pos % blockSize] === id) return pos;
    }
    return undefined;
  };

  const storedAt = (pos: number): StoredRecord | undefined =>
    blockAt(Math.floor(pos / blockSize))?.block.record(pos % blockSize);

  const refsOf = (alias: string): number[] => {
    refFirsts ??= (qRefFirsts.all() as { first: string }[]).map((r) => r.first);
    const first = floorKey(refFirsts, alias);
    if (first === undefined) return [];
    let m = refCache.get(first);
    if (!m) {
      const row = qRefs.get(first) as { data: Buffer } | undefined;
      if (!row) return [];
      const c = damaged("alias chunk", () => decodeJson<RefChunk>(row.data));
      m = new Map(c.a.map((a, i) => [a, c.p[i]!]));
      remember(refCache, first, m, 256);
    }
    return m.get(alias) ?? [];
  };

  const recordAt = (pos: number): AdvisoryRecord | undefined => {
    const stored = storedAt(pos);
    if (!stored) return undefined;
    const rec = structuredClone(stored.r) as unknown as Omit<AdvisoryRecord, "affected">;
    const parts: [number, AffectedPackage][] = [];
    for (const [namespace, name] of stored.k) {
      const c = chunkFor(namespace, name);
      const i = c?.names.get(name);
      if (!c || i === undefined) continue;
      for (const [id, , , ord, body] of c.entries(i))
        if (id === rec.id) parts.push([ord, { namespace, name, ...(structuredClone(body) as AffBody) }]);
    }
    parts.sort((a, b) => a[0] - b[0]);
    return { ...rec, affected: parts.map((p) => p[1]) };
  };

  const store: SnapshotStore = {
    path,
    manifest,
    namespaces: () => [...nsSet],
    lookup(namespace, name) {
      const key = `${namespace}\u0000${name}`;
      const hit = cache.get(key);
      if (hit) return hit;
      if (!nsSet.has(namespace)) return [];
      let out = candidates(namespace, name);
      if (!out) {
        const norm = normalizePackageName(namespace, name);
        if (norm !== name) out = candidates(namespace, norm);
      }
      const result = out ?? [];
      remember(cache, key, result, cacheSize);
      return result;
    },
    getAdvisory(id) {
      const pos = posOf(id);
      return pos === undefined ? undefined : recordAt(pos);
    },
    advisoryHead(id) {
      const pos = posOf(id);
      const st = pos === undefined ? undefined : storedAt(pos);
      return st ? (st.r as unknown as AdvisoryHead) : undefined;
    },
    cveFacts(cveId) {
      // the CVE's own record (NVD) is listed under its id, with every advisory that names it
      const positions = new Set<number>(refsOf(cveId));
      const kevRow = cveLookup<KevEntry>("kev", qKev, cveId);
      const epssRow = cveLookup<EpssRow>("epss", qEpss, cveId);
      if (positions.size === 0 && !kevRow && !epssRow) return undefined;
      const facts: CveFacts = { id: cveId, severities: [] };
      const seen = new Set<string>();
      const addSev = (s: SeverityEntry) => {
        const key = JSON.stringify(s);
        if (!seen.has(key)) {
          seen.add(key);
          facts.severities.push(structuredClone(s));
        }
      };
      // The CVE's own record (NVD) first, then every other advisory that names it, in id order.
      const recs = [...positions]
        .map((p) => storedAt(p))
        .filter((r): r is StoredRecord => r !== undefined)
        .map((st) => ({ head: st.r as unknown as AdvisoryHead, sevs: st.s ?? [] }))
        .sort((a, b) =>
          a.head.id === cveId ? -1 : b.head.id === cveId ? 1 : a.head.id < b.head.id ? -1 : 1,
        );
      const refs = new Set<string>();
      const cwes = new Set<string>();
      for (const { head, sevs } of recs) {
        for (const s of head.severities) addSev(s);
        for (const s of sevs) addSev(s);
        facts.description ??= head.description;
        facts.published ??= head.published;
        for (const x of head.references) refs.add(x);
        for (const x of head.cwes) cwes.add(x);
      }
      if (refs.size) facts.references = [...refs];
      if (cwes.size) facts.cwes = [...cwes];
      if (kevRow) facts.kev = { ...kevRow };
      if (epssRow) {
        const e: EpssEntry = { cveId, score: epssRow[0], percentile: epssRow[1] };
        if (epssRow[2]) e.date = epssRow[2];
        facts.epss = e;
      }
      return facts;
    },
    advisoryCount: () => Number(meta.get("advisories") ?? 0),
    namespaceInfo: () => nsRows.map((r) => ({ ...r })),
    advisoryHashes() {
      const out: { id: string; hash: string; withdrawn: string | null }[] = [];
      for (const { bid } of db.prepare("SELECT bid FROM blocks ORDER BY bid").all() as { bid: number }[]) {
        const b = blockAt(bid)?.block;
        for (let i = 0; b && i < b.ids.length; i++) {
          const r = b.record(i)!;
          out.push({
            id: r.r.id as string,
            hash: r.h,
            withdrawn: (r.r.withdrawn as string | undefined) ?? null,
          });
        }
      }
      // in id order (SQLite's), as before blocks held records by package
      return out.sort((a, b) => compareUtf8(a.id, b.id));
    },
    packageKeys(id) {
      const pos = posOf(id);
      const stored = pos === undefined ? undefined : storedAt(pos);
      return (stored?.k ?? []).map(([namespace, name]) => ({ namespace, name }));
    },
    packageNames(namespace) {
      const out: string[] = [];
      for (const r of db
        .prepare("SELECT data FROM packages WHERE namespace = ? ORDER BY first")
        .all(namespace) as {
        data: Buffer;
      }[])
        out.push(...damaged("package index chunk", () => decodeRecordBlock<PackageEntry[]>(r.data)).ids);
      return out;
    },
    enrichmentCounts: () => ({ kev: Number(meta.get("kev") ?? 0), epss: Number(meta.get("epss") ?? 0) }),
    verify() {
      let problem: string | undefined;
      try {
        const ic = db.prepare("PRAGMA integrity_check").all() as { integrity_check: string }[];
        if (ic.length !== 1 || ic[0]!.integrity_check !== "ok")
          problem = `integrity check failed: ${ic
            .map((r) => r.integrity_check)
            .slice(0, 3)
            .join("; ")}`;
        else {
          const bids = (db.prepare("SELECT bid FROM blocks ORDER BY bid").all() as { bid: number }[]).map(
            (r) => r.bid,
          );
          // The content hash is over records in id order; blocks hold them by package.
          const all: { id: string; pos: number }[] = [];
          for (const bid of bids) {
            const b = blockAt(bid)?.block;
            if (!b) continue;
            for (let i = 0; i < b.ids.length; i++) {
              const st = b.record(i)!;
              if (st.r.id !== b.ids[i])
                throw new Error(`block ${bid} lists ${b.ids[i]} but holds ${String(st.r.id)}`);
              all.push({ id: b.ids[i]!, pos: bid * blockSize + i });
            }
          }
          all.sort((a, b) => compareUtf8(a.id, b.id));
          for (const { id, pos } of all)
            if (posOf(id) !== pos) throw new Error(`the alias index does not find ${id} where it is`);
          const h = computeContentHash(db, function* () {
            for (const { pos } of all) yield { stored: storedAt(pos)!.h, rec: recordAt(pos)! };
          });
          if (h !== manifest.contentHash)
            problem = `content hash ${h} does not match the manifest (${manifest.contentHash})`;
        }
      } catch (e) {
        problem = (e as Error).message;
      }
      if (problem) throw new VigilError("ADVISORY_DB", `${path}: snapshot failed verification: ${problem}`);
    },
    close() {
      cache.clear();
      chunkCache.clear();
      blockCache.clear();
      refCache.clear();
      cveChunkCache.clear();
      if (db.open) db.close();
    },
  };
  return store;
}
