/** The advisory database: feeds → immutable SQLite snapshot → the AdvisoryStore the matcher reads. */
export { type AdvisoryConfig, configPath, DEFAULT_FEEDS, loadAdvisoryConfig } from "./config.js";
export { computeCvssScore, cvssFromVector, normaliseRating, ratingForScore } from "./cvss.js";
export { FEEDS, feedByName } from "./feeds/index.js";
export {
  DEBIAN_CODENAMES,
  debianNamespace,
  namespaceForEcosystem,
  normalizePackageName,
  pep503,
} from "./namespaces.js";
export * from "./store/index.js";
export type * from "./types.js";
export { type UpdateOptions, type UpdateResult, updateSnapshot, verifySnapshotFile } from "./update.js";
