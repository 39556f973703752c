/** OSV (https://ossf.github.io/osv-schema/): JSON, YAML and JSON-lines; GHSA, language and distro ecosystems. */
import yaml from "js-yaml";
import type { AffectedRange, RangeEvent } from "../../versioning/types.js";
import { cvssFromVector, normaliseRating } from "../cvss.js";
import { namespaceForEcosystem, normalizePackageName } from "../namespaces.js";
import type { AdvisoryRecord, AffectedPackage, Cvss, SeverityEntry } from "../types.js";
import { cleanId, cleanList, cleanText, isObject, isoDate, MAX_LIST } from "./text.js";
import type { Feed, FeedContext, FeedFile, FeedItem } from "./types.js";

function looksLikeOsv(v: unknown): boolean {
  return (
    isObject(v) &&
    typeof v.id === "string" &&
    (Array.isArray(v.affected) || typeof v.modified === "string") &&
    !("vulnerabilities" in v) &&
    !("packages" in v)
  );
}

function sniff(file: FeedFile): unknown {
  const head = file.data.subarray(0, 4096).toString("utf8");
  if (/\.jsonl$/i.test(file.name)) {
    const first = head.split("\n", 1)[0] ?? "";
    try {
      return JSON.parse(first);
    } catch {
      return /"id"\s*:/.test(first) && /"(affected|modified)"\s*:/.test(first)
        ? { id: "", modified: "" }
        : null;
    }
  }
  return head;
}

export function detectOsv(file: FeedFile): boolean {
  const n = file.name.toLowerCase();
  if (n.endsWith(".jsonl")) return looksLikeOsv(sniff(file));
  if (/\.(ya?ml)$/.test(n)) {
    const head = file.data.subarray(0, 8192).toString("utf8");
    return /^id:\s*\S/m.test(head) && /^(affected|modified):/m.test(head);
  }
  if (n.endsWith(".json") || !/\.[a-z0-9]+$/.test(n)) {
    const head = file.data.subarray(0, 8192).toString("utf8").trimStart();
    if (!head.startsWith("{")) return false;
    if (/"(CVE_Items|vulnerabilities|packages|secfixes|resultsPerPage|catalogVersion)"\s*:/.test(head))
      return false;
    return /"id"\s*:/.test(head) && /"(affected|modified|schema_version)"\s*:/.test(head);
  }
  return false;
}

function events(raw: unknown): RangeEvent[] {
  if (!Array.isArray(raw)) return [];
  const out: RangeEvent[] = [];
  for (const e of raw.slice(0, MAX_LIST)) {
    if (!isObject(e)) continue;
    const ev: RangeEvent = {};
    for (const k of ["introduced", "fixed", "last_affected", "limit"] as const) {
      const v = cleanId(e[k]);
      if (v !== undefined) ev[k] = v;
    }
    if (Object.keys(ev).length) out.push(ev);
  }
  return out;
}

function ranges(raw: unknown): AffectedRange[] {
  if (!Array.isArray(raw)) return [];
  const out: AffectedRange[] = [];
  for (const r of raw) {
    if (!isObject(r)) continue;
    const type =
      r.type === "SEMVER" || r.type === "GIT" ? r.type : r.type === "ECOSYSTEM" ? "ECOSYSTEM" : null;
    if (!type) continue;
    out.push({ type, events: events(r.events) });
  }
  return out;
}

/** A stated numeric score next to a vector, where a database gives one. */
function statedScore(dbs: unknown): number | undefined {
  if (!isObject(dbs)) return undefined;
  for (const k of ["cvss_score", "score", "baseScore", "cvss_v3_score"]) {
    const v = dbs[k];
    if (typeof v === "number") return v;
    if (typeof v === "string" && /^\d+(\.\d+)?$/.test(v)) return Number(v);
  }
  if (isObject(dbs.cvss) && typeof dbs.cvss.score === "number") return dbs.cvss.score;
  return undefined;
}

function severitySource(id: string, firstNamespace: string | undefined): string {
  if (id.startsWith("GHSA-")) return "ghsa";
  return `osv:${firstNamespace ?? "unknown"}`;
}

/** Converts one parsed OSV object; returns a reason string when it must be skipped. */
export function osvToRecord(v: unknown): AdvisoryRecord | string {
  if (!isObject(v)) return "not an object";
  const id = cleanId(v.id, 256);
  if (!id) return "missing id";
  if (v.affected !== undefined && !Array.isArray(v.affected)) return `${id}: "affected" is not a list`;
  const aliases = cleanList([
    ...(Array.isArray(v.aliases) ? v.aliases : []),
    ...(Array.isArray(v.upstream) ? v.upstream : []),
  ]).filter((a) => a !== id);
  const dbs = isObject(v.database_specific) ? v.database_specific : {};
  const affected: AffectedPackage[] = [];
  const extraVectors: string[] = [];
  for (const a of (v.affected as unknown[] | undefined) ?? []) {
    if (!isObject(a) || !isObject(a.package)) continue;
    const eco = cleanId(a.package.ecosystem, 128);
    const rawName = cleanId(a.package.name);
    if (!eco || !rawName) continue;
    const namespace = namespaceForEcosystem(eco);
    const rs = ranges(a.ranges);
    const versions = cleanList(a.versions);
    const fixed = [
      ...new Set(
        rs.flatMap((r) => (r.type === "GIT" ? [] : r.events.flatMap((e) => (e.fixed ? [e.fixed] : [])))),
      ),
    ];
    const entry: AffectedPackage = {
      namespace,
      name: normalizePackageName(namespace, rawName),
      status: fixed.length ? "fixed" : "affected",
      ranges: rs,
    };
    if (versions.length) entry.versions = versions;
    if (fixed.length) entry.fixedVersions = fixed;
    const es = isObject(a.ecosystem_specific) ? a.ecosystem_specific : {};
    const ads = isObject(a.database_specific) ? a.database_specific : {};
    const word = cleanId(es.severity ?? es.urgency ?? ads.severity ?? ads.urgency, 64);
    if (word) {
      const src = namespace.split(":")[0]!;
      entry.severity = { source: src, ratingText: word, rating: normaliseRating(word) ?? "unknown" };
    }
    if (typeof ads.cvss === "string") extraVectors.push(ads.cvss);
    affected.push(entry);
  }
  const severities: SeverityEntry[] = [];
  const cvss: Cvss[] = [];
  let wordRating: string | undefined;
  if (Array.isArray(v.severity)) {
    for (const s of v.severity) {
      if (!isObject(s)) continue;
      const score = cleanId(s.score, 512);
      if (!score) continue;
      if (typeof s.type === "string" && s.type.startsWith("CVSS_")) {
        const c = cvssFromVector(score, statedScore(dbs));
        if (c) cvss.push(c);
      } else if (s.type === "Ubuntu") {
        severities.push({ source: "ubuntu", ratingText: score, rating: normaliseRating(score) ?? "unknown" });
      } else {
        wordRating = score;
      }
    }
  }
  if (cvss.length === 0) {
    for (const vec of new Set(extraVectors)) {
      const c = cvssFromVector(vec);
      if (c) cvss.push(c);
    }
  }
  const dbSeverity = cleanId(dbs.severity, 64) ?? wordRating;
  if (cvss.length || dbSeverity) {
    const entry: SeverityEntry = { source: severitySource(id, affected[0]?.namespace) };
    if (dbSeverity) {
      entry.ratingText = dbSeverity;
      entry.rating = normaliseRating(dbSeverity) ?? "unknown";
    }
    if (cvss.length) entry.cvss = cvss;
    severities.unshift(entry);
  }
  const refs: string[] = [];
  if (Array.isArray(v.references))
    for (const r of v.references) if (isObject(r) && typeof r.url === "string") refs.push(r.url);
  const rec: AdvisoryRecord = {
    id,
    aliases,
    source: "osv",
    affected,
    severities,
    cwes: cleanList(dbs.cwe_ids),
    references: cleanList(refs),
  };
  const summary = cleanText(v.summary, 4096);
  if (summary) rec.summary = summary;
  const details = cleanText(v.details);
  if (details) rec.description = details;
  const published = isoDate(v.published);
  if (published) rec.published = published;
  const modified = isoDate(v.modified);
  if (modified) rec.modified = modified;
  const withdrawn = isoDate(v.withdrawn);
  if (withdrawn) rec.withdrawn = withdrawn;
  return rec;
}

/** YAML with the core schema (dates stay strings; `allStrings`: every scalar a string, e.g. version keys like 1.10) and a cap on aliases (no "billion laughs" expansion later). */
export function parseYamlBounded(text: string, allStrings = false): unknown {
  const aliases = text.match(/(^|[\s[{,:-])\*[A-Za-z0-9_-]+/g)?.length ?? 0;
  if (aliases > 100) throw new Error(`${aliases} YAML aliases`);
  return yaml.load(text, { schema: allStrings ? yaml.FAILSAFE_SCHEMA : yaml.CORE_SCHEMA });
}

function* parseText(file: FeedFile, ctx: FeedContext): Generator<FeedItem> {
  const n = file.name.toLowerCase();
  const text = file.data.toString("utf8");
  if (n.endsWith(".jsonl")) {
    let line = 0;
    for (const l of text.split("\n")) {
      line++;
      if (!l.trim()) continue;
      let v: unknown;
      try {
        v = JSON.parse(l);
      } catch (e) {
        ctx.skip(`${file.name}:${line}`, `invalid JSON (${(e as Error).message.slice(0, 100)})`);
        continue;
      }
      const r = osvToRecord(v);
      if (typeof r === "string") ctx.skip(`${file.name}:${line}`, r);
      else yield r;
    }
    return;
  }
  let v: unknown;
  try {
    v = /\.ya?ml$/.test(n) ? parseYamlBounded(text) : JSON.parse(text);
  } catch (e) {
    ctx.skip(
      file.name,
      `invalid ${/\.ya?ml$/.test(n) ? "YAML" : "JSON"} (${(e as Error).message.slice(0, 100)})`,
    );
    return;
  }
  const list = Array.isArray(v) ? v : [v];
  for (const item of list) {
    const r = osvToRecord(item);
    if (typeof r === "string") ctx.skip(file.name, r);
    else yield r;
  }
}

export const osvFeed: Feed = {
  name: "osv",
  detect: detectOsv,
  async *parse(file, ctx) {
    yield* parseText(file, ctx);
  },
};
