import type { AdvisoryRecord } from "../types.js";
import { canonicalJson } from "./codec.js";

function union(a: string[], b: string[]): string[] {
  const s = new Set(a);
  for (const x of b) s.add(x);
  return [...s];
}

function uniqueBy<T>(items: T[]): T[] {
  const seen = new Set<string>();
  const out: T[] = [];
  for (const it of items) {
    const k = canonicalJson(it);
    if (!seen.has(k)) {
      seen.add(k);
      out.push(it);
    }
  }
  return out;
}

/**
 * Merges records that share an id (the same advisory from several files or feeds, e.g. a Debian CVE
 * across source packages, an Alpine CVE across branches, PyPA YAML and JSON-lines): lists are united,
 * scalar fields keep the first value, `modified` the newest.
 */
export function mergeRecords(records: AdvisoryRecord[]): AdvisoryRecord {
  if (records.length === 1) {
    const r = records[0]!;
    return { ...r, affected: uniqueBy(r.affected), severities: uniqueBy(r.severities) };
  }
  const out: AdvisoryRecord = { ...records[0]!, aliases: [...records[0]!.aliases] };
  for (const r of records.slice(1)) {
    out.aliases = union(out.aliases, r.aliases);
    out.summary ??= r.summary;
    out.description ??= r.description;
    out.published ??= r.published;
    out.withdrawn ??= r.withdrawn;
    if (r.modified && (!out.modified || r.modified > out.modified)) out.modified = r.modified;
    out.affected = [...out.affected, ...r.affected];
    out.severities = [...out.severities, ...r.severities];
    out.cwes = union(out.cwes, r.cwes);
    out.references = union(out.references, r.references);
  }
  out.aliases = out.aliases.filter((a) => a !== out.id);
  out.affected = uniqueBy(out.affected);
  out.severities = uniqueBy(out.severities);
  return out;
}
