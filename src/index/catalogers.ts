/**
 * The one explicit list of catalogers the indexer runs: OS catalogers first (their owned-file lists
 * decide `ownedBy` for language packages), then the language catalogers. Adding an ecosystem means
 * adding it to its list in src/catalog/; the indexer version (part of the SBOM and layer cache keys)
 * follows from the names and versions listed here.
 */
import { createHash } from "node:crypto";
import { languageCatalogersA } from "../catalog/language-a.js";
import { languageCatalogersB } from "../catalog/language-b.js";
import { osCatalogers } from "../catalog/os.js";
import type { Cataloger } from "../catalog/types.js";
import { vigilVersion } from "../core/version.js";

/** Bump when the indexer's own logic (attribution, ownership, assembly) changes its output. */
export const INDEXER_LOGIC_VERSION = "2"; // 2: OpenVEX documents inside the image are captured

export function allCatalogers(): Cataloger[] {
  return [...osCatalogers, ...languageCatalogersA, ...languageCatalogersB];
}

/** `name@version` of each cataloger, sorted: the catalogers' part of the cache keys. */
export function catalogersKey(catalogers: readonly Cataloger[]): string {
  return catalogers
    .map((c) => `${c.name}@${c.version}`)
    .sort()
    .join(",");
}

/** The indexer version: Vigil's version plus a short hash of the catalogers and the indexer logic. */
export function indexerVersion(catalogers: readonly Cataloger[]): string {
  const h = createHash("sha256")
    .update(`${INDEXER_LOGIC_VERSION}|${catalogersKey(catalogers)}`)
    .digest("hex")
    .slice(0, 12);
  return `${vigilVersion()}+${h}`;
}
