import type { SeverityEntry } from "../types.js";

/**
 * Snapshot schema. One SQLite file, immutable once built:
 * - `manifest(key, value)`: schema version, build time, content hash, feed stats (JSON values);
 * - `blocks`: every advisory, BLOCK_SIZE records per block, brotli-compressed together (records compress
 *   far better together than alone) but each record's JSON kept apart, so that reading one record parses
 *   only it (codec: encodeRecordBlock); a record's id is in the header line only. Records are ordered by
 *   the first package they affect (namespace, name), then id; records that affect none come last, in id
 *   order: a package's advisories share blocks, so a match decompresses few. A record's position `pos` =
 *   block * BLOCK_SIZE + slot; `first` is the block's first id (informative);
 * - `packages`: the lookup index, per namespace chunks of CHUNK_KEYS consecutive package names, each holding
 *   every affected entry for its names (with the advisory id, source and aliases), as a record block keyed
 *   by name (a lookup parses one name's entries). Clustered by namespace:
 *   a scan touches only its namespaces' pages, and a delta update can replace one namespace alone
 *   (`DELETE FROM packages WHERE namespace = ?` + inserts + its `namespaces` row);
 * - `namespaces`: per-namespace record/package counts and content hash;
 * - `refs`: alias (CVE, GHSA, …) → advisory positions, as sorted compressed chunks, for CVE joins; each
 *   record is listed under its own id too, which is how an id is found;
 * - `kev`, `epss`: CVE-level enrichment, as sorted compressed chunks of CVE_KEYS CVEs.
 */
/**
 * 3: record blocks parsed per record; records carry affected severities (`s`).
 * 4: package index chunks are record blocks too, each name's entries parsed only when it is looked up.
 * 5: blocks hold records by the first package they affect, not in id order; ids are found in `refs`.
 */
export const SCHEMA_VERSION = 5;
/** Records per compressed block. */
export const BLOCK_SIZE = 128;
/** Package keys per compressed index chunk. */
export const CHUNK_KEYS = 32;
/** CVEs per compressed `kev` / `epss` chunk. */
export const CVE_KEYS = 512;
/** Aliases per compressed `refs` chunk. */
export const REF_KEYS = 512;

export const DDL = `
CREATE TABLE manifest (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE blocks (bid INTEGER PRIMARY KEY, first TEXT NOT NULL, data BLOB NOT NULL);
CREATE TABLE packages (
  namespace TEXT NOT NULL,
  first TEXT NOT NULL,
  data BLOB NOT NULL,
  PRIMARY KEY (namespace, first)
) WITHOUT ROWID;
CREATE TABLE namespaces (namespace TEXT PRIMARY KEY, records INTEGER NOT NULL, packages INTEGER NOT NULL, hash TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE refs (first TEXT PRIMARY KEY, data BLOB NOT NULL) WITHOUT ROWID;
CREATE TABLE kev (first TEXT PRIMARY KEY, data BLOB NOT NULL) WITHOUT ROWID;
CREATE TABLE epss (first TEXT PRIMARY KEY, data BLOB NOT NULL) WITHOUT ROWID;
`;

export const REQUIRED_TABLES = ["manifest", "blocks", "packages", "namespaces", "refs", "kev", "epss"];

/** A `refs` chunk: sorted aliases `a` and, for each, the positions `p` of the advisories naming it. */
export interface RefChunk {
  a: string[];
  p: number[][];
}

/**
 * A `packages` chunk: up to CHUNK_KEYS consecutive package names of one namespace, stored as a record block
 * (codec: encodeRecordBlock) whose ids are the names and whose records are each name's entries. A lookup
 * parses the header (the names) and that one name's entries, not its 31 neighbours'.
 */
export type PackageEntry = [
  /** advisory id */
  string,
  /** source */
  string,
  /** aliases */
  string[],
  /** position in the record's affected list */
  number,
  /** the affected entry without namespace and name */
  Record<string, unknown>,
];

/**
 * A record as stored in a block: without `affected`, which lives in `packages`; `k` lists its package keys
 * and `s` the distinct severities of its affected entries, in order (so that CVE facts need no package
 * chunk).
 */
export interface StoredRecord {
  r: Record<string, unknown>;
  k: [string, string][];
  s?: SeverityEntry[];
  /** Content hash of the full record. */
  h: string;
}

/** A `kev` or `epss` chunk: sorted CVE ids `a` and their entries `v` (EPSS as [score, percentile, date]). */
export interface CveChunk<T> {
  a: string[];
  v: T[];
}
export type EpssRow = [number, number, string | null];
