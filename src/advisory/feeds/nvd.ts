/**
 * NVD: CVE API 2.0 responses (`vulnerabilities[].cve`) and the legacy 1.1 JSON feeds (`CVE_Items`).
 * Records go to namespace `nvd` with id = the CVE id. Severities: one entry per scoring source — "nvd" for
 * nvd@nist.gov, the source identifier (e.g. "security-advisories@github.com") for others; every vector is
 * re-scored and flagged when the stated base score disagrees. CPE configurations become `nvd` affected
 * entries keyed by "vendor:product" (ranges from versionStart… and versionEnd…; the CPE criteria in `note`).
 */

import { cvssFromVector, normaliseRating } from "../cvss.js";
import type { AdvisoryRecord, AffectedPackage, Cvss, SeverityEntry } from "../types.js";
import { cleanId, cleanList, cleanText, isObject, isoDate, jsonDocument } from "./text.js";
import type { Feed, FeedContext, FeedFile, FeedItem } from "./types.js";

const MAX_CPES = 500;

export function detectNvd(file: FeedFile): boolean {
  if (!/\.json$/i.test(file.name) && /\.[a-z]+$/i.test(file.name)) return false;
  const head = file.data.subarray(0, 8192).toString("utf8");
  return (
    /"CVE_Items"\s*:/.test(head) ||
    (/"format"\s*:\s*"NVD_CVE"/.test(head) && /"vulnerabilities"\s*:/.test(head)) ||
    /"CVE_data_type"\s*:/.test(head)
  );
}

function sourceName(s: unknown): string {
  const v = cleanId(s, 128);
  return !v || v === "nvd@nist.gov" ? "nvd" : v;
}

function addCvss(
  bySource: Map<string, SeverityEntry>,
  source: string,
  c: Cvss | undefined,
  severity?: string,
) {
  if (!c) return;
  let e = bySource.get(source);
  if (!e) bySource.set(source, (e = { source, cvss: [] }));
  e.cvss!.push(c);
  const rating = normaliseRating(severity);
  // Keep the rating of the newest CVSS version the source gives.
  if (rating && (!e.rating || e.cvss!.every((x) => x.version <= c.version))) {
    e.rating = rating;
    e.ratingText = severity;
  }
}

/** vendor:product from a CPE 2.3 string. */
function cpeKey(cpe: string): { key: string; version: string } | undefined {
  const p = cpe.split(":");
  if (p.length < 6 || p[0] !== "cpe" || p[1] !== "2.3") return undefined;
  return { key: `${p[3]}:${p[4]}`, version: p[5]! };
}

function cpeEntry(m: Record<string, unknown>, criteria: string): AffectedPackage | undefined {
  const k = cpeKey(criteria);
  if (!k) return undefined;
  const events: { introduced?: string; fixed?: string; last_affected?: string }[] = [];
  const si = cleanId(m.versionStartIncluding, 128);
  const se = cleanId(m.versionStartExcluding, 128);
  const ee = cleanId(m.versionEndExcluding, 128);
  const ei = cleanId(m.versionEndIncluding, 128);
  const entry: AffectedPackage = {
    namespace: "nvd",
    name: k.key,
    status: "affected",
    ranges: [],
    note: criteria,
  };
  if (si || se || ee || ei) {
    events.push({ introduced: si ?? se ?? "0" });
    if (ee) events.push({ fixed: ee });
    else if (ei) events.push({ last_affected: ei });
    entry.ranges = [{ type: "ECOSYSTEM", events }];
    if (ee) entry.fixedVersions = [ee];
    if (se) entry.note = `${criteria} (start excluding ${se})`;
  } else if (k.version !== "*" && k.version !== "-") entry.versions = [k.version.replace(/\\(.)/g, "$1")];
  return entry;
}

function cve20(cve: Record<string, unknown>): AdvisoryRecord | string {
  const id = cleanId(cve.id, 64);
  if (!id) return "missing cve.id";
  const bySource = new Map<string, SeverityEntry>();
  const metrics = isObject(cve.metrics) ? cve.metrics : {};
  for (const key of ["cvssMetricV40", "cvssMetricV31", "cvssMetricV30", "cvssMetricV2"]) {
    const list = metrics[key];
    if (!Array.isArray(list)) continue;
    for (const m of list) {
      if (!isObject(m) || !isObject(m.cvssData)) continue;
      const vec = cleanId(m.cvssData.vectorString, 512);
      if (!vec) continue;
      const stated = typeof m.cvssData.baseScore === "number" ? m.cvssData.baseScore : undefined;
      const sev = cleanId(m.cvssData.baseSeverity ?? m.baseSeverity, 32);
      addCvss(bySource, sourceName(m.source), cvssFromVector(vec, stated), sev);
    }
  }
  const desc = Array.isArray(cve.descriptions)
    ? (cve.descriptions.find((d) => isObject(d) && d.lang === "en") ?? cve.descriptions[0])
    : undefined;
  const cwes: string[] = [];
  if (Array.isArray(cve.weaknesses))
    for (const w of cve.weaknesses)
      if (isObject(w) && Array.isArray(w.description))
        for (const d of w.description)
          if (isObject(d) && typeof d.value === "string" && /^CWE-\d+$/.test(d.value)) cwes.push(d.value);
  const refs: string[] = [];
  if (Array.isArray(cve.references))
    for (const r of cve.references) if (isObject(r) && typeof r.url === "string") refs.push(r.url);
  const affected: AffectedPackage[] = [];
  if (Array.isArray(cve.configurations))
    for (const conf of cve.configurations)
      if (isObject(conf) && Array.isArray(conf.nodes))
        for (const node of conf.nodes)
          if (isObject(node) && Array.isArray(node.cpeMatch))
            for (const m of node.cpeMatch) {
              if (!isObject(m) || m.vulnerable !== true || affected.length >= MAX_CPES) continue;
              const criteria = cleanId(m.criteria, 512);
              const e = criteria ? cpeEntry(m, criteria) : undefined;
              if (e) affected.push(e);
            }
  return nvdRecord(
    id,
    affected,
    bySource,
    cwes,
    refs,
    desc,
    cve.published,
    cve.lastModified,
    () => cve.vulnStatus === "Rejected",
  );
}

function cve11(item: Record<string, unknown>): AdvisoryRecord | string {
  const cve = isObject(item.cve) ? item.cve : {};
  const meta = isObject(cve.CVE_data_meta) ? cve.CVE_data_meta : {};
  const id = cleanId(meta.ID, 64);
  if (!id) return "missing cve.CVE_data_meta.ID";
  const bySource = new Map<string, SeverityEntry>();
  const impact = isObject(item.impact) ? item.impact : {};
  // v3 keeps its severity word inside cvssV3, v2 next to it
  for (const [metricKey, cvssKey] of [
    ["baseMetricV3", "cvssV3"],
    ["baseMetricV2", "cvssV2"],
  ] as const) {
    const metric = impact[metricKey];
    if (!isObject(metric) || !isObject(metric[cvssKey])) continue;
    const c = metric[cvssKey] as Record<string, unknown>;
    const vec = cleanId(c.vectorString, 512);
    if (vec)
      addCvss(
        bySource,
        "nvd",
        cvssFromVector(vec, typeof c.baseScore === "number" ? c.baseScore : undefined),
        cleanId(c.baseSeverity ?? metric.severity, 32),
      );
  }
  const descData =
    isObject(cve.description) && Array.isArray(cve.description.description_data)
      ? cve.description.description_data
      : [];
  const desc = descData.find((d) => isObject(d) && d.lang === "en") ?? descData[0];
  const cwes: string[] = [];
  const pt =
    isObject(cve.problemtype) && Array.isArray(cve.problemtype.problemtype_data)
      ? cve.problemtype.problemtype_data
      : [];
  for (const p of pt)
    if (isObject(p) && Array.isArray(p.description))
      for (const d of p.description)
        if (isObject(d) && typeof d.value === "string" && /^CWE-\d+$/.test(d.value)) cwes.push(d.value);
  const refs: string[] = [];
  const rd =
    isObject(cve.references) && Array.isArray(cve.references.reference_data)
      ? cve.references.reference_data
      : [];
  for (const r of rd) if (isObject(r) && typeof r.url === "string") refs.push(r.url);
  const affected: AffectedPackage[] = [];
  const walk = (nodes: unknown) => {
    if (!Array.isArray(nodes)) return;
    for (const n of nodes) {
      if (!isObject(n)) continue;
      if (Array.isArray(n.cpe_match))
        for (const m of n.cpe_match) {
          if (!isObject(m) || m.vulnerable !== true || affected.length >= MAX_CPES) continue;
          const criteria = cleanId(m.cpe23Uri, 512);
          const e = criteria ? cpeEntry(m, criteria) : undefined;
          if (e) affected.push(e);
        }
      walk(n.children);
    }
  };
  if (isObject(item.configurations)) walk(item.configurations.nodes);
  return nvdRecord(
    id,
    affected,
    bySource,
    cwes,
    refs,
    desc,
    item.publishedDate,
    item.lastModifiedDate,
    (d) => d?.startsWith("** REJECT **") === true,
  );
}

/** The record both NVD formats (API 2.0 and the 1.1 feed) end in; `rejected` decides `withdrawn`. */
function nvdRecord(
  id: string,
  affected: AffectedPackage[],
  bySource: Map<string, SeverityEntry>,
  cwes: string[],
  refs: string[],
  desc: unknown,
  publishedAt: unknown,
  modifiedAt: unknown,
  rejected: (description: string | undefined) => boolean,
): AdvisoryRecord {
  const rec: AdvisoryRecord = {
    id,
    aliases: [],
    source: "nvd",
    affected,
    severities: [...bySource.values()],
    cwes: cleanList(cwes),
    references: cleanList(refs),
  };
  const d = cleanText(isObject(desc) ? desc.value : undefined);
  if (d) rec.description = d;
  const published = isoDate(publishedAt);
  if (published) rec.published = published;
  const modified = isoDate(modifiedAt);
  if (modified) rec.modified = modified;
  if (rejected(d)) rec.withdrawn = modified ?? published ?? "rejected";
  return rec;
}

function* parseNvd(file: FeedFile, ctx: FeedContext): Generator<FeedItem> {
  const doc = jsonDocument(file.data, file.name, (n, r) => ctx.skip(n, r), "an NVD document");
  if (!isObject(doc)) return;
  if (Array.isArray(doc.vulnerabilities)) {
    for (const [i, v] of doc.vulnerabilities.entries()) {
      const r = isObject(v) && isObject(v.cve) ? cve20(v.cve) : "entry without cve";
      if (typeof r === "string") ctx.skip(`${file.name}#vulnerabilities[${i}]`, r);
      else yield r;
    }
    return;
  }
  if (Array.isArray(doc.CVE_Items)) {
    for (const [i, v] of doc.CVE_Items.entries()) {
      const r = isObject(v) ? cve11(v) : "entry is not an object";
      if (typeof r === "string") ctx.skip(`${file.name}#CVE_Items[${i}]`, r);
      else yield r;
    }
    return;
  }
  ctx.skip(file.name, "neither vulnerabilities[] nor CVE_Items[]");
}

export const nvdFeed: Feed = {
  name: "nvd",
  detect: detectNvd,
  async *parse(file, ctx) {
    yield* parseNvd(file, ctx);
  },
};
