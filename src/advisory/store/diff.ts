/** Differences between two snapshots: the input of continuous re-evaluation. */
import type { SnapshotStore } from "./open.js";

export interface SnapshotDiff {
  from: { builtAt: string; contentHash: string };
  to: { builtAt: string; contentHash: string };
  /** In the new snapshot only. */
  added: string[];
  /** In both, with different content (and not newly withdrawn). */
  changed: string[];
  /** Withdrawn in the new snapshot and not in the old one. */
  withdrawn: string[];
  /** In the old snapshot only. */
  removed: string[];
  /** Package keys touched by any of the above, in either snapshot, sorted. */
  packageKeys: { namespace: string; name: string }[];
  /** Namespaces whose content hash differs (a delta update would replace exactly these). */
  namespaces: string[];
}

export function diffSnapshots(a: SnapshotStore, b: SnapshotStore): SnapshotDiff {
  const old = new Map(a.advisoryHashes().map((r) => [r.id, r]));
  const added: string[] = [];
  const changed: string[] = [];
  const withdrawn: string[] = [];
  const removed: string[] = [];
  const seen = new Set<string>();
  for (const r of b.advisoryHashes()) {
    seen.add(r.id);
    const o = old.get(r.id);
    if (!o) {
      added.push(r.id);
      if (r.withdrawn) withdrawn.push(r.id);
    } else if (o.hash !== r.hash) {
      if (r.withdrawn && !o.withdrawn) withdrawn.push(r.id);
      else changed.push(r.id);
    }
  }
  for (const id of old.keys()) if (!seen.has(id)) removed.push(id);
  const keys = new Map<string, { namespace: string; name: string }>();
  const touch = (store: SnapshotStore, id: string) => {
    for (const k of store.packageKeys(id)) keys.set(`${k.namespace}\u0000${k.name}`, k);
  };
  for (const id of added) touch(b, id);
  for (const id of [...changed, ...withdrawn]) {
    touch(a, id);
    touch(b, id);
  }
  for (const id of removed) touch(a, id);
  const nsA = new Map(a.namespaceInfo().map((n) => [n.namespace, n.hash]));
  const nsB = new Map(b.namespaceInfo().map((n) => [n.namespace, n.hash]));
  const namespaces = [...new Set([...nsA.keys(), ...nsB.keys()])]
    .filter((n) => nsA.get(n) !== nsB.get(n))
    .sort();
  return {
    from: { builtAt: a.manifest.builtAt, contentHash: a.manifest.contentHash },
    to: { builtAt: b.manifest.builtAt, contentHash: b.manifest.contentHash },
    added,
    changed,
    withdrawn: withdrawn.sort(),
    removed,
    packageKeys: [...keys.entries()]
      .sort((x, y) => (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0))
      .map((e) => e[1]),
    namespaces,
  };
}
