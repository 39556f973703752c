import type { AdvisoryRecord, EpssEntry, KevEntry } from "../types.js";

/** One file handed to a feed parser: a display name (path, or `archive!entry`) and its bytes (decompressed). */
export interface FeedFile {
  name: string;
  data: Buffer;
}

/** What a feed parser yields: advisories, or CVE-level enrichment (KEV, EPSS). */
export type FeedItem = AdvisoryRecord | KevEntry | EpssEntry;

/** Collects what a parser skipped; a skip never stops the feed. */
export interface FeedContext {
  /** A malformed record (or file inside a bulk source) was skipped. */
  skip(name: string, reason: string): void;
}

export interface Feed {
  /** "osv", "debian-tracker", "debian-list", "alpine", "nvd", "kev", "epss". */
  readonly name: string;
  /** Whether this feed recognises the file (by name and/or content sniffing). */
  detect(file: FeedFile): boolean;
  /** Parses one file. Throws (FEED) only when the file as a whole cannot be read. */
  parse(file: FeedFile, ctx: FeedContext): AsyncIterable<FeedItem>;
}

export function isAdvisory(item: FeedItem): item is AdvisoryRecord {
  return (item as AdvisoryRecord).affected !== undefined && (item as AdvisoryRecord).id !== undefined;
}
export function isKev(item: FeedItem): item is KevEntry {
  return (item as KevEntry).dateAdded !== undefined;
}
export function isEpss(item: FeedItem): item is EpssEntry {
  return (item as EpssEntry).percentile !== undefined;
}
