/**
 * An AdvisoryStore held in memory: for library users who build records themselves (tests, conversions of
 * other databases) and for matching without a snapshot file. Same lookup contract as the SQLite snapshot:
 * names are normalised with normalizePackageName on both sides.
 */

import type {
  AdvisoryCandidate,
  AdvisoryRecord,
  AdvisoryStore,
  CveFacts,
  EpssEntry,
  KevEntry,
  SnapshotManifest,
} from "../advisory/types.js";
import { normalizePackageName } from "./namespaces.js";

export function createMemoryStore(
  records: readonly AdvisoryRecord[],
  enrichment: { kev?: readonly KevEntry[]; epss?: readonly EpssEntry[] } = {},
): AdvisoryStore {
  const byKey = new Map<string, AdvisoryCandidate[]>();
  const byId = new Map<string, AdvisoryRecord>();
  const byCve = new Map<string, AdvisoryRecord[]>();
  const namespaces = new Map<string, number>();
  for (const r of records) {
    byId.set(r.id, r);
    for (const id of [r.id, ...r.aliases]) {
      if (!/^CVE-/i.test(id)) continue;
      const list = byCve.get(id.toUpperCase()) ?? [];
      list.push(r);
      byCve.set(id.toUpperCase(), list);
    }
    for (const a of r.affected) {
      const k = `${a.namespace}\u0000${normalizePackageName(a.namespace, a.name)}`;
      const list = byKey.get(k) ?? [];
      list.push({ advisoryId: r.id, aliases: r.aliases, source: r.source, affected: a });
      byKey.set(k, list);
      namespaces.set(a.namespace, (namespaces.get(a.namespace) ?? 0) + 1);
    }
  }
  const kev = new Map((enrichment.kev ?? []).map((k) => [k.cveId.toUpperCase(), k]));
  const epss = new Map((enrichment.epss ?? []).map((e) => [e.cveId.toUpperCase(), e]));
  const manifest: SnapshotManifest = {
    schemaVersion: 1,
    builtAt: new Date(0).toISOString(),
    contentHash: "memory",
    feeds: [],
    namespaces: [...namespaces].map(([namespace, n]) => ({ namespace, records: n })),
  };
  return {
    manifest,
    namespaces: () => [...namespaces.keys()],
    lookup: (namespace, name) =>
      byKey.get(`${namespace}\u0000${normalizePackageName(namespace, name)}`) ?? [],
    getAdvisory: (id) => byId.get(id),
    advisoryHead: (id) => byId.get(id),
    cveFacts(cveId) {
      const id = cveId.toUpperCase();
      const recs = byCve.get(id) ?? [];
      const k = kev.get(id);
      const e = epss.get(id);
      if (!recs.length && !k && !e) return undefined;
      const facts: CveFacts = { id, severities: recs.flatMap((r) => r.severities) };
      const nvd = recs.find((r) => r.source === "nvd") ?? recs[0];
      if (nvd?.description) facts.description = nvd.description;
      if (nvd?.published) facts.published = nvd.published;
      if (nvd?.references.length) facts.references = nvd.references;
      if (nvd?.cwes.length) facts.cwes = nvd.cwes;
      if (k) facts.kev = k;
      if (e) facts.epss = e;
      return facts;
    },
    close() {},
  };
}
