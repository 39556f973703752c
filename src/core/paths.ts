import { homedir } from "node:os";
import { join } from "node:path";

/** XDG cache directory for Vigil (overridable with VIGIL_CACHE_DIR). */
export function cacheDir(): string {
  if (process.env.VIGIL_CACHE_DIR) return process.env.VIGIL_CACHE_DIR;
  const base = process.env.XDG_CACHE_HOME || join(homedir(), ".cache");
  return join(base, "vigil");
}

/** XDG data directory for Vigil (advisory snapshots, base-image index). Overridable with VIGIL_DATA_DIR. */
export function dataDir(): string {
  if (process.env.VIGIL_DATA_DIR) return process.env.VIGIL_DATA_DIR;
  const base = process.env.XDG_DATA_HOME || join(homedir(), ".local", "share");
  return join(base, "vigil");
}
