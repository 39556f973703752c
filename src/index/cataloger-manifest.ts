/**
 * The names and versions of the default catalogers, and the cache keys derived from them, without
 * loading the catalogers themselves: a cached run (SBOM cache hit) needs the key, not the parsers. A
 * test checks that this list matches allCatalogers() (src/index/catalogers.ts), so the two cannot drift.
 */
import { createHash } from "node:crypto";
import { vigilVersion } from "../core/version.js";

/** Bump when the indexer's own logic (attribution, ownership, assembly) changes its output. */
export const INDEXER_LOGIC_VERSION = "2"; // 2: OpenVEX documents inside the image are captured

export interface CatalogerId {
  readonly name: string;
  readonly version: string;
}

/** allCatalogers(), by name and version (order irrelevant: keys sort them). */
export const DEFAULT_CATALOGER_IDS: readonly CatalogerId[] = [
  { name: "dpkg", version: "2" },
  { name: "apk", version: "2" },
  { name: "rpm", version: "1" },
  { name: "npm", version: "2" },
  { name: "python", version: "1" },
  { name: "ruby", version: "2" },
  { name: "composer", version: "2" },
  { name: "nuget", version: "2" },
  { name: "java", version: "1" },
  { name: "go-binary", version: "2" }, // 2: executable files are candidates wherever they sit
  { name: "cargo", version: "2" }, // 2: likewise for its programs
];

/** `name@version` of each cataloger, sorted: the catalogers' part of the cache keys. */
export function catalogersKey(catalogers: readonly CatalogerId[]): string {
  return catalogers
    .map((c) => `${c.name}@${c.version}`)
    .sort()
    .join(",");
}

/** The indexer version: Vigil's version plus a short hash of the catalogers and the indexer logic. */
export function indexerVersion(catalogers: readonly CatalogerId[]): string {
  const h = createHash("sha256")
    .update(`${INDEXER_LOGIC_VERSION}|${catalogersKey(catalogers)}`)
    .digest("hex")
    .slice(0, 12);
  return `${vigilVersion()}+${h}`;
}
