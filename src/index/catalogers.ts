/**
 * The one explicit list of catalogers the indexer runs: OS catalogers first (their owned-file lists
 * decide `ownedBy` for language packages), then the language catalogers. Adding an ecosystem means
 * adding it to its list in src/catalog/ and its name and version to DEFAULT_CATALOGER_IDS
 * (cataloger-manifest.ts), from which the indexer version (part of the SBOM and layer cache keys) follows
 * without loading the catalogers; a test keeps the two lists equal.
 */
import { languageCatalogersA } from "../catalog/language-a.js";
import { languageCatalogersB } from "../catalog/language-b.js";
import { osCatalogers } from "../catalog/os.js";
import type { Cataloger } from "../catalog/types.js";

export { catalogersKey, INDEXER_LOGIC_VERSION, indexerVersion } from "./cataloger-manifest.js";

export function allCatalogers(): Cataloger[] {
  return [...osCatalogers, ...languageCatalogersA, ...languageCatalogersB];
}
