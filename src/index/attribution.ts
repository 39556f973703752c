/**
 * Layer attribution for "database" catalogers (dpkg status, apk installed, rpmdb): the package set is
 * catalogued in every layer state where the database changed, and each package of the final state is
 * attributed to the layer that introduced its CURRENT version:
 *   - first seen → the layer of that state;
 *   - version changed (upgrade/downgrade) → the changing layer;
 *   - removed, then re-added → the re-adding layer;
 *   - unchanged → keeps its layer even though later layers rewrote the database.
 * Pure: operates on catalogued package lists only.
 */
import type { Package } from "../sbom/model.js";

export interface CatalogedState {
  /** The layer after which this package set holds. */
  layerIndex: number;
  packages: readonly Package[];
}

/** Identity of a package across states: type, namespace, name and arch (not version). */
export function attributionKey(p: Package): string {
  return `${p.type}\u0000${p.namespace ?? ""}\u0000${p.name}\u0000${p.arch ?? ""}`;
}

function versionKey(p: Package): string {
  return `${p.epoch ?? ""}:${p.version}`;
}

/**
 * Given the states in layer order (the last one is the final state), the layer index that introduced
 * each final package's current version, keyed by `attributionKey`.
 */
export function attributeLayers(states: readonly CatalogedState[]): Map<string, number> {
  let current = new Map<string, { version: string; layer: number }>();
  for (const state of [...states].sort((a, b) => a.layerIndex - b.layerIndex)) {
    const next = new Map<string, { version: string; layer: number }>();
    for (const p of state.packages) {
      const k = attributionKey(p);
      const v = versionKey(p);
      const prev = current.get(k);
      const already = next.get(k);
      if (already) continue; // duplicate record in one state: first wins
      next.set(k, prev && prev.version === v ? prev : { version: v, layer: state.layerIndex });
    }
    current = next;
  }
  const out = new Map<string, number>();
  for (const [k, v] of current) out.set(k, v.layer);
  return out;
}
