/**
 * The base-image index: every image Vigil has indexed (and every image added with `vigil base index`),
 * keyed by the ChainID of its whole layer stack, so that "which known image is the longest prefix of
 * this image's layers?" is one indexed query over the image's prefix ChainIDs.
 */
import { mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import Database from "better-sqlite3";
import { VigilError } from "../core/errors.js";
import { dataDir } from "../core/paths.js";
import { chainIds } from "./chain.js";

export interface KnownImage {
  /** Manifest digest (or config digest for local archives). */
  digest: string;
  /** Repository name, e.g. docker.io/library/debian. */
  name?: string;
  /** Tags known to point at this digest (short form `debian:12-slim`). */
  tags: string[];
  diffIds: string[];
  created?: string;
  size?: number;
  /** How it got here: "indexed" (a scan), "base-index" (`vigil base index`), "provenance". */
  source: string;
}

export interface BaseMatch {
  image: KnownImage;
  /** Number of the target's layers that belong to this base. */
  layerCount: number;
}

export function defaultBaseIndexPath(): string {
  return join(dataDir(), "base-index.sqlite");
}

export class BaseImageIndex {
  private constructor(private readonly db: Database.Database) {}

  static open(path = defaultBaseIndexPath()): BaseImageIndex {
    try {
      mkdirSync(dirname(path), { recursive: true });
      const db = new Database(path);
      db.pragma("journal_mode = WAL");
      db.pragma("busy_timeout = 3000");
      db.exec(`CREATE TABLE IF NOT EXISTS images (
        digest TEXT PRIMARY KEY,
        name TEXT,
        tags TEXT NOT NULL,
        diff_ids TEXT NOT NULL,
        top_chain TEXT NOT NULL,
        layer_count INTEGER NOT NULL,
        created TEXT,
        size INTEGER,
        source TEXT NOT NULL,
        updated_at TEXT NOT NULL
      );
      CREATE INDEX IF NOT EXISTS images_top_chain ON images(top_chain);`);
      return new BaseImageIndex(db);
    } catch (err) {
      throw new VigilError("INTERNAL", `cannot open the base-image index ${path}: ${(err as Error).message}`);
    }
  }

  /** Adds or updates an image; tags are merged with those already known for the digest. */
  add(img: KnownImage): void {
    if (img.diffIds.length === 0) return;
    const chains = chainIds(img.diffIds);
    const existing = this.get(img.digest);
    const tags = [...new Set([...(existing?.tags ?? []), ...img.tags])].sort();
    // Re-scanning a known image changes nothing: no write (`updated_at` is the time of the last change).
    if (
      existing &&
      tags.length === existing.tags.length &&
      tags.every((t, i) => t === existing.tags[i]) &&
      (img.name === undefined || img.name === existing.name) &&
      (img.created === undefined || img.created === existing.created) &&
      (img.size === undefined || img.size === existing.size) &&
      (existing.source === "base-index" || existing.source === img.source)
    )
      return;
    this.db
      .prepare(
        `INSERT INTO images (digest, name, tags, diff_ids, top_chain, layer_count, created, size, source, updated_at)
         VALUES (@digest, @name, @tags, @diffIds, @top, @count, @created, @size, @source, @now)
         ON CONFLICT(digest) DO UPDATE SET name = coalesce(excluded.name, name), tags = excluded.tags,
           created = coalesce(excluded.created, created), size = coalesce(excluded.size, size),
           source = CASE WHEN source = 'base-index' THEN source ELSE excluded.source END, updated_at = excluded.updated_at`,
      )
      .run({
        digest: img.digest,
        name: img.name ?? null,
        tags: JSON.stringify(tags),
        diffIds: JSON.stringify(img.diffIds),
        top: chains[chains.length - 1]!,
        count: img.diffIds.length,
        created: img.created ?? null,
        size: img.size ?? null,
        source: img.source,
        now: new Date().toISOString(),
      });
  }

  get(digest: string): KnownImage | undefined {
    const r = this.db.prepare("SELECT * FROM images WHERE digest = ?").get(digest) as Row | undefined;
    return r ? fromRow(r) : undefined;
  }

  /** Images whose whole layer stack equals the first N layers of `diffIds`, longest first (N < length). */
  findBases(diffIds: readonly string[], excludeDigest?: string): BaseMatch[] {
    const chains = chainIds(diffIds).slice(0, -1); // a base is a strict prefix
    if (chains.length === 0) return [];
    const out: BaseMatch[] = [];
    const stmt = this.db.prepare("SELECT * FROM images WHERE top_chain = ?");
    for (let i = chains.length - 1; i >= 0; i--) {
      for (const r of stmt.all(chains[i]) as Row[]) {
        if (r.digest === excludeDigest) continue;
        out.push({ image: fromRow(r), layerCount: i + 1 });
      }
    }
    return out;
  }

  list(): KnownImage[] {
    return (this.db.prepare("SELECT * FROM images ORDER BY name, digest").all() as Row[]).map(fromRow);
  }

  close(): void {
    this.db.close();
  }
}

interface Row {
  digest: string;
  name: string | null;
  tags: string;
  diff_ids: string;
  created: string | null;
  size: number | null;
  source: string;
}

function fromRow(r: Row): KnownImage {
  return {
    digest: r.digest,
    ...(r.name ? { name: r.name } : {}),
    tags: JSON.parse(r.tags) as string[],
    diffIds: JSON.parse(r.diff_ids) as string[],
    ...(r.created ? { created: r.created } : {}),
    ...(r.size !== null ? { size: r.size } : {}),
    source: r.source,
  };
}
