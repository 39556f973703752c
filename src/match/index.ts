/** Matching: SBOM × advisory snapshot → findings; severity assessment; VEX; filters. */
export { type FindingFilters, filterFindings, isFixable, passesFilters } from "./filter.js";
export { describeRange, type MatchDeps, match } from "./matcher.js";
export { createMemoryStore } from "./memory-store.js";
export { distroNamespaces, ecosystemName, languageKey, osKey, osVersion } from "./namespaces.js";
export {
  assessSeverity,
  parseSeverityList,
  preferredSources,
  ratingFromScore,
  SEVERITY_ORDER,
} from "./severity.js";
export type * from "./types.js";
export { defaultVersionOracle, type VersionOracle } from "./versions.js";
export {
  applyVex,
  parseVexDocument,
  productMatchesImage,
  purlMatches,
  type VexDocument,
  type VexStatement,
} from "./vex.js";
export { loadVexLocations } from "./vex-files.js";
