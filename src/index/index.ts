/** The indexer's public face: reference → Sbom. */
export { allCatalogers, catalogersKey, INDEXER_LOGIC_VERSION, indexerVersion } from "./catalogers.js";
export {
  catalogWalk,
  type IndexOptions,
  indexImage,
  indexOpenedImage,
  linkOwnedPackages,
  sbomCacheKey,
} from "./indexer.js";
export { type OpenedSource, openSource, SOURCE_OPENERS, type SourceOpener } from "./open.js";
