export { npmCataloger } from "./cataloger.js";
export type { NpmRecord } from "./model.js";
export { isInstalledManifest, parseInstalledManifest } from "./package-json.js";
export { parsePackageLock } from "./package-lock.js";
export { parsePnpmLock } from "./pnpm-lock.js";
export { parseYarnLock } from "./yarn-lock.js";
