import { VigilError } from "../../core/errors.js";
import type { Logger } from "../../core/logger.js";
import type { AdvisoryStore } from "../types.js";

export const DEFAULT_MAX_AGE_DAYS = 7;

export interface Freshness {
  builtAt: string;
  ageDays: number;
  maxAgeDays: number;
  stale: boolean;
}

/**
 * How old the snapshot is. Stale (older than `maxAgeDays`) → a warning on the logger, or, with
 * `require` (`--require-fresh-db`), an ADVISORY_DB error.
 */
export function checkFreshness(
  store: Pick<AdvisoryStore, "manifest">,
  maxAgeDays = DEFAULT_MAX_AGE_DAYS,
  opts: { require?: boolean; logger?: Logger; now?: Date } = {},
): Freshness {
  const now = (opts.now ?? new Date()).getTime();
  const built = Date.parse(store.manifest.builtAt);
  const ageDays = Number.isNaN(built) ? Number.POSITIVE_INFINITY : (now - built) / 86_400_000;
  const stale = ageDays > maxAgeDays;
  const result = { builtAt: store.manifest.builtAt, ageDays, maxAgeDays, stale };
  if (stale) {
    const msg = `advisory database is ${Number.isFinite(ageDays) ? `${ageDays.toFixed(1)} days` : "of unknown age"} old (built ${store.manifest.builtAt}; threshold ${maxAgeDays} days); run \`vigil db update\``;
    if (opts.require) throw new VigilError("ADVISORY_DB", msg);
    opts.logger?.warn(msg);
  }
  return result;
}
