/**
 * Content hashing of a snapshot, shared by the builder and the reader (verification). Kept apart from
 * build.ts so that opening a snapshot does not load the feed parsers.
 */
import { createHash } from "node:crypto";
import type Database from "better-sqlite3";
import type { AdvisoryRecord, KevEntry } from "../types.js";
import { canonicalJson, decodeJson } from "./codec.js";
import type { CveChunk, EpssRow } from "./schema.js";

/** Per-record content hash (64 bits of sha256 over the canonical JSON). */
export function recordHash(rec: AdvisoryRecord): string {
  return createHash("sha256").update(canonicalJson(rec)).digest("hex").slice(0, 16);
}

/** Adds KEV and EPSS rows (sorted by CVE) to a content hash. */
export function hashEnrichment(
  content: ReturnType<typeof createHash>,
  kev: Iterable<[string, KevEntry]>,
  epss: Iterable<[string, EpssRow]>,
): void {
  for (const [cve, k] of kev) content.update(`kev\u0000${cve}\u0000${canonicalJson(k)}\n`);
  for (const [cve, [score, pct, date]] of epss)
    content.update(`epss\u0000${cve}\u0000${score}\u0000${pct}\u0000${date ?? ""}\n`);
}

/** Every row of a `kev` / `epss` chunk table, in CVE order. */
export function* readCveChunks<T>(db: Database.Database, table: "kev" | "epss"): Generator<[string, T]> {
  for (const r of db.prepare(`SELECT data FROM ${table} ORDER BY first`).all() as { data: Buffer }[]) {
    const c = decodeJson<CveChunk<T>>(r.data);
    for (let i = 0; i < c.a.length; i++) yield [c.a[i]!, c.v[i]!];
  }
}

/**
 * Recomputes a snapshot's content hash from its stored records (every record reassembled from its block
 * and the package index, and re-hashed), so that a corrupted or tampered file does not verify.
 */
export function computeContentHash(
  db: Database.Database,
  records: () => Iterable<{ stored: string; rec: AdvisoryRecord }>,
): string {
  const content = createHash("sha256");
  for (const { stored, rec } of records()) {
    const hash = recordHash(rec);
    if (hash !== stored) throw new Error(`record ${rec.id} does not match its hash`);
    content.update(`${rec.id}\u0000${hash}\n`);
  }
  hashEnrichment(content, readCveChunks<KevEntry>(db, "kev"), readCveChunks<EpssRow>(db, "epss"));
  return `sha256:${content.digest("hex")}`;
}
