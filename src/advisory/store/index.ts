export { type BuildOptions, buildSnapshot, type FeedSource, parseSourceSpec } from "./build.js";
export { diffSnapshots, type SnapshotDiff } from "./diff.js";
export { checkFreshness, DEFAULT_MAX_AGE_DAYS, type Freshness } from "./freshness.js";
export {
  defaultSnapshotPath,
  type NamespaceInfo,
  type OpenOptions,
  openSnapshot,
  type SnapshotStore,
} from "./open.js";
export { SCHEMA_VERSION } from "./schema.js";
