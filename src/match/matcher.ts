/**
 * The matcher: SBOM × advisory snapshot → findings. Pure (the store is read-only, no I/O of its own).
 *
 * - OS packages (deb, apk, rpm) are matched in their distro release's namespace by SOURCE package name,
 *   compared with the distro's scheme, honouring the distro's statuses. Never with upstream (NVD/GHSA)
 *   ranges: backported fixes would make that a false positive.
 * - Language packages are matched in their ecosystem's namespace with OSV ranges; one owned by an OS
 *   package (`ownedBy`) is left to its owner's distro advisories.
 * - Records about the same vulnerability are merged: one finding per (vulnerability, package), keyed by
 *   the CVE when there is one.
 */
import type {
  AdvisoryCandidate,
  AdvisoryHead,
  AdvisoryStatus,
  AdvisoryStore,
  CveFacts,
  SeverityEntry,
} from "../advisory/types.js";
import { collate } from "../core/collate.js";
import { v8TuningForHeavyWork } from "../core/v8-flags.js";
import type { Package, Sbom } from "../sbom/model.js";
import type { AffectedRange } from "../versioning/types.js";
import {
  distroNamespaces,
  languageKey,
  languageNamespace,
  languageVersion,
  OS_TYPES,
  osKey,
  osVersion,
} from "./namespaces.js";
import { assessSeverity, preferredSources } from "./severity.js";
import type { Finding, FindingPackage, MatchOptions, MatchResult, MatchStats } from "./types.js";
import { defaultVersionOracle, type VersionOracle } from "./versions.js";

export interface MatchDeps {
  versions?: VersionOracle;
}

const NO_RANGES: AffectedRange[] = [];

/** Status precedence when two records about the same vulnerability disagree (most actionable first). */
const STATUS_RANK: Record<AdvisoryStatus, number> = {
  fixed: 0,
  affected: 1,
  will_not_fix: 2,
  fix_deferred: 3,
  under_investigation: 4,
  end_of_life: 5,
  unknown: 6,
  not_affected: 7,
};

/** A human form of a range: `>=0.4.17, <=1.5.9`; `<4.17.19`; empty events → "all versions". */
export function describeRange(range: AffectedRange): string {
  const parts: string[] = [];
  for (const ev of range.events) {
    if (ev.introduced !== undefined && ev.introduced !== "0") parts.push(`>=${ev.introduced}`);
    if (ev.fixed !== undefined) parts.push(`<${ev.fixed}`);
    if (ev.last_affected !== undefined) parts.push(`<=${ev.last_affected}`);
    if (ev.limit !== undefined && ev.limit !== "*") parts.push(`<${ev.limit}`);
  }
  return parts.length ? parts.join(", ") : ">=0";
}

/** describeRange memoised per range object (a store's ranges are immutable and reused across matches). */
const described = new WeakMap<AffectedRange, string>();
function describedRange(range: AffectedRange): string {
  let d = described.get(range);
  if (d === undefined) {
    d = describeRange(range);
    described.set(range, d);
  }
  return d;
}

/**
 * Is `fix` above the installed version? The range was evaluated in its own scheme (SEMVER ranges in
 * SemVer 2.0), the comparison here is the namespace's: a fix that scheme cannot order is kept, as every
 * fix was before, rather than costing the finding.
 */
function fixAbove(oracle: VersionOracle, namespace: string, version: string, fix: string): boolean {
  try {
    return oracle.compare(namespace, version, fix) < 0;
  } catch {
    return true;
  }
}

/**
 * A finding's status from its affected entry's and the fixes above the installed version: `fixed` when
 * there is one, `affected` when the entry says fixed but every fix it names is for an older branch.
 */
function findingStatus(status: AdvisoryStatus, fixes: number): AdvisoryStatus {
  if (status === "affected" && fixes > 0) return "fixed";
  if (status === "fixed" && fixes === 0) return "affected";
  return status;
}

/**
 * The part of a matched range to report: the whole range when it has one interval (most do), else the
 * interval that holds the version. Go's records put every release branch in one range
 * (`<1.24.13, >=1.25.0-0, <1.25.7, >=1.26.0-rc.1, <1.26.0-rc.3`); an image with Go 1.20.4 is affected
 * through `<1.24.13` alone.
 */
function matchedRange(
  oracle: VersionOracle,
  namespace: string,
  version: string,
  range: AffectedRange,
): string {
  let introduced = 0;
  for (const ev of range.events) if (ev.introduced !== undefined) introduced++;
  if (introduced <= 1 || !oracle.interval) return describedRange(range);
  const iv = oracle.interval(namespace, version, range);
  if (!iv) return describedRange(range);
  const parts: string[] = [];
  if (iv.introduced !== undefined) parts.push(`>=${iv.introduced}`);
  if (iv.fixed !== undefined) parts.push(`<${iv.fixed}`);
  if (iv.lastAffected !== undefined) parts.push(`<=${iv.lastAffected}`);
  for (const l of iv.limits) parts.push(`<${l}`);
  return parts.length ? parts.join(", ") : ">=0";
}

/**
 * Whether a per-advisory cache entry was made from this candidate's feed and aliases: the caches are
 * keyed by advisory id, and two feeds may use one id (the entry is then rebuilt, not shared).
 */
function sameSource(e: { source: string; from: readonly string[] }, c: AdvisoryCandidate): boolean {
  if (e.source !== c.source) return false;
  const a = e.from;
  const b = c.aliases;
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

const CVE_ID = /^CVE-\d{4}-\d+$/i;

/** The key a finding is merged under: the id when it is a CVE, else the least CVE among the aliases. */
function cveOf(id: string, ...aliasLists: readonly (readonly string[])[]): string {
  if (CVE_ID.test(id)) return id.toUpperCase();
  let least: string | undefined;
  for (const list of aliasLists)
    for (const a of list) {
      if (!CVE_ID.test(a)) continue;
      const u = a.toUpperCase();
      if (least === undefined || u < least) least = u;
    }
  return least ?? id;
}

/** The package as a finding (and a report's package list) shows it. */
export function findingPackage(p: Package): FindingPackage {
  const fp: FindingPackage = {
    id: p.id,
    purl: p.purl,
    type: p.type,
    name: p.name,
    version: p.version,
    locations: p.locations ?? [],
  };
  if (p.namespace) fp.namespace = p.namespace;
  if (p.sourceName && p.sourceName !== p.name) fp.sourceName = p.sourceName;
  if (p.sourceVersion) fp.sourceVersion = p.sourceVersion;
  if (p.layerIndex !== undefined) fp.layerIndex = p.layerIndex;
  if (p.layerDiffId) fp.layerDiffId = p.layerDiffId;
  return fp;
}

interface Hit {
  candidate: AdvisoryCandidate;
  record?: Readonly<AdvisoryHead>;
  fixed: string[];
  ranges: string[];
}

/**
 * Decoded records and CVE facts per store, kept across match() calls (a snapshot is immutable) so that
 * re-matching — the service, or several images in one process — does not decode them again. Bounded.
 */
const STORE_CACHES = new WeakMap<
  AdvisoryStore,
  {
    records: Map<string, Readonly<AdvisoryHead> | undefined>;
    facts: Map<string, CveFacts | undefined>;
    /** advisory id → the key its findings merge under (see cveOf), and what it was computed from */
    mergeKeys: Map<string, { source: string; from: readonly string[]; key: string }>;
    /** advisory id → what its single-advisory findings take from it (see AdvisoryPart) */
    parts: Map<string, AdvisoryPart>;
  }
>();
const MAX_CACHED = 100_000;

function cachesFor(store: AdvisoryStore) {
  let c = STORE_CACHES.get(store);
  if (!c) {
    c = { records: new Map(), facts: new Map(), mergeKeys: new Map(), parts: new Map() };
    STORE_CACHES.set(store, c);
  }
  if (c.records.size > MAX_CACHED) c.records.clear();
  if (c.facts.size > MAX_CACHED) c.facts.clear();
  if (c.mergeKeys.size > MAX_CACHED) c.mergeKeys.clear();
  if (c.parts.size > MAX_CACHED) c.parts.clear();
  return c;
}

/** Match every package of an SBOM against a snapshot. */
export function match(
  sbom: Sbom,
  store: AdvisoryStore,
  opts: MatchOptions = {},
  deps: MatchDeps = {},
): MatchResult {
  v8TuningForHeavyWork(); // a CLI run's V8 flags, if it enabled them (src/core/v8-flags.ts)
  const oracle = deps.versions ?? defaultVersionOracle;
  const warnings: string[] = [];
  const stats: MatchStats = {
    packages: sbom.packages.length,
    matchable: 0,
    ownedByOs: 0,
    distroIgnored: 0,
    invalidVersions: 0,
  };
  const present = new Set(store.namespaces());
  const nsReport = new Map<string, boolean>();
  const { records: recordCache, facts: factsCache, mergeKeys, parts } = cachesFor(store);
  const getRecord = (id: string): Readonly<AdvisoryHead> | undefined => {
    if (!recordCache.has(id)) recordCache.set(id, store.advisoryHead(id));
    return recordCache.get(id);
  };
  const getFacts = (id: string): CveFacts | undefined => {
    if (!factsCache.has(id)) factsCache.set(id, store.cveFacts(id));
    return factsCache.get(id);
  };

  // the distro namespace once per SBOM
  const distroCandidates = distroNamespaces(sbom.distro);
  const distroNs = distroCandidates.find((n) => present.has(n)) ?? distroCandidates[0];
  if (distroNs) nsReport.set(distroNs, present.has(distroNs));
  const hasOsPackages = sbom.packages.some((p) => OS_TYPES.has(p.type));
  if (hasOsPackages && !distroNs) {
    warnings.push(
      `no distro detected (no os-release): ${sbom.packages.filter((p) => OS_TYPES.has(p.type)).length} OS packages were not matched`,
    );
  } else if (hasOsPackages && distroNs && !present.has(distroNs)) {
    warnings.push(`the advisory snapshot has no data for ${distroNs}: its OS packages were not matched`);
  }

  const findings: Finding[] = [];
  const badVersionWarned = new Set<string>();

  for (const pkg of sbom.packages) {
    let namespace: string | undefined;
    let key: string;
    let version: string;
    const isOs = OS_TYPES.has(pkg.type);
    if (isOs) {
      namespace = distroNs;
      key = osKey(pkg);
      version = osVersion(pkg);
    } else {
      if (pkg.ownedBy) {
        stats.ownedByOs++;
        continue;
      }
      namespace = languageNamespace(pkg);
      if (!namespace) continue;
      key = languageKey(pkg, namespace);
      version = languageVersion(pkg);
      if (!nsReport.has(namespace)) nsReport.set(namespace, present.has(namespace));
    }
    if (!namespace || !present.has(namespace) || !version) continue;
    stats.matchable++;

    const candidates = store.lookup(namespace, key);
    if (candidates.length === 0) continue;
    // group hits per vulnerability key
    const groups = new Map<string, Hit[]>();
    for (const c of candidates) {
      const a = c.affected;
      // Debian "unimportant" (kept by the feed as a negligible rating) counts as distro-ignored
      const ignoredByDistro =
        a.status === "not_affected" || (isOs && /^unimportant/i.test(a.severity?.ratingText ?? ""));
      if (ignoredByDistro) {
        if (!opts.includeDistroIgnored || !isOs) {
          if (isOs) stats.distroIgnored++;
          continue;
        }
      }
      let vulnerable: boolean;
      const fixed: string[] = [];
      const ranges: string[] = [];
      try {
        if (a.status === "not_affected") {
          vulnerable = true; // shown only because --include-distro-ignored asked for it
        } else if (a.ranges.length === 0 && !a.versions?.length) {
          // no ranges: the distro says every version in the release is affected, unless a fix is named
          const fx = a.fixedVersions ?? [];
          vulnerable = fx.length === 0 || fx.some((f) => oracle.compare(namespace, version, f) < 0);
          if (vulnerable) for (const f of fx) if (oracle.compare(namespace, version, f) < 0) fixed.push(f);
          if (fx.length) ranges.push(...fx.map((f) => `<${f}`));
        } else {
          vulnerable = false;
          for (const r of a.ranges) {
            if (r.type === "GIT") continue;
            if (oracle.inRange(namespace, version, r)) {
              vulnerable = true;
              ranges.push(matchedRange(oracle, namespace, version, r));
              // Only fixes above the installed version: a range covering several release branches
              // also names the fixes of older branches (Go 1.20.4 is not fixed by 1.19.10).
              for (const ev of r.events)
                if (ev.fixed !== undefined && fixAbove(oracle, namespace, version, ev.fixed))
                  fixed.push(ev.fixed);
            }
          }
          // the explicit list only when no range holds the version: either makes it affected, and a
          // PyPI record's list can hold hundreds of versions
          if (!vulnerable && a.versions?.length && oracle.affected(namespace, version, NO_RANGES, a.versions))
            vulnerable = true;
          if (vulnerable && ranges.length === 0 && a.versions?.length) ranges.push(`=${version}`);
          if (vulnerable) {
            for (const f of a.fixedVersions ?? [])
              if (!fixed.includes(f) && oracle.compare(namespace, version, f) < 0) fixed.push(f);
          }
        }
      } catch (err) {
        stats.invalidVersions++;
        const w = `${pkg.purl}: cannot compare version "${version}" in ${namespace} (${c.advisoryId}): ${
          err instanceof Error ? err.message : String(err)
        }`;
        if (!badVersionWarned.has(pkg.id)) {
          badVersionWarned.add(pkg.id);
          warnings.push(w);
        }
        continue;
      }
      if (!vulnerable) continue;
      // the record only for hits (decoding every candidate's record would dominate the cost); its head is
      // enough: the affected entry that matched came with the candidate
      const record = getRecord(c.advisoryId);
      if (record?.withdrawn) continue;
      // The candidate's aliases and the record's are the advisory's own: the key is cached per advisory
      // id, checked against the feed and aliases it was computed from (two feeds may use one id).
      let merge = mergeKeys.get(c.advisoryId);
      if (!merge || !sameSource(merge, c)) {
        merge = {
          source: c.source,
          from: c.aliases,
          key: cveOf(c.advisoryId, c.aliases, record?.aliases ?? []),
        };
        mergeKeys.set(c.advisoryId, merge);
      }
      const gk = merge.key;
      const list = groups.get(gk) ?? [];
      const hit: Hit = { candidate: c, fixed, ranges };
      if (record) hit.record = record;
      list.push(hit);
      groups.set(gk, list);
    }

    for (const [id, hits] of groups) {
      findings.push(
        hits.length === 1
          ? singleFinding(id, hits[0]!, pkg, namespace, version, parts, getFacts)
          : buildFinding(id, hits, pkg, namespace, version, getFacts),
      );
    }
  }

  return {
    findings: sortFindings(findings),
    warnings,
    stats,
    namespaces: [...nsReport]
      .map(([namespace, p]) => ({ namespace, present: p }))
      .sort((a, b) => collate(a.namespace, b.namespace)),
  };
}

/** A finding keeps its first MAX_REFERENCES distinct references, in the order the records give them. */
const MAX_REFERENCES = 50;

function addReferences(into: Set<string>, refs: readonly string[] | undefined): void {
  if (!refs) return;
  for (const r of refs) {
    if (into.size >= MAX_REFERENCES) return;
    into.add(r);
  }
}

/**
 * Findings in report order: package name, package id, then finding id (each in Vigil's text order,
 * src/core/collate.ts). A package's findings are built together, so packages are sorted once and each package's
 * findings among themselves: far fewer comparisons than sorting every finding against every other.
 */
function sortFindings(findings: Finding[]): Finding[] {
  // Keyed by name and id, the first two sort keys (an SBOM read from a file may repeat an id).
  const byPackage = new Map<string, Finding[]>();
  for (const f of findings) {
    const key = `${f.package.name}\u0000${f.package.id}`;
    const list = byPackage.get(key);
    if (list) list.push(f);
    else byPackage.set(key, [f]);
  }
  const groups = [...byPackage.values()].sort(
    (a, b) => collate(a[0]!.package.name, b[0]!.package.name) || collate(a[0]!.package.id, b[0]!.package.id),
  );
  const out: Finding[] = [];
  for (const g of groups) {
    if (g.length > 1) g.sort((a, b) => collate(a.id, b.id));
    for (const f of g) out.push(f);
  }
  return out;
}

/** The key under which two ratings count as the same: source, rating and CVSS list. */
const ratingKeys = new WeakMap<SeverityEntry, string>();
function ratingKey(e: SeverityEntry): string {
  let k = ratingKeys.get(e);
  if (k === undefined) {
    k = `${e.source}\u0000${e.rating}\u0000${e.cvss ? JSON.stringify(e.cvss) : ""}`;
    ratingKeys.set(e, k);
  }
  return k;
}

/**
 * What a finding made from one advisory takes from that advisory's record and its CVE's facts, whatever
 * the package: the same for every package the advisory hits and on every re-match, so it is built once
 * per store. The arrays are copied into each finding.
 */
interface AdvisoryPart {
  /** The merge key it was built for. */
  id: string;
  /** The candidate's feed and aliases it was built from. */
  source: string;
  from: readonly string[];
  aliases: string[];
  /** Record ratings, then the CVE facts' ones, without repeats. */
  ratings: SeverityEntry[];
  ratingKeys: Set<string>;
  references: string[];
  cwes: string[];
  description?: string;
  summary?: string;
  published?: string;
  facts?: CveFacts;
}

function advisoryPart(
  id: string,
  c: AdvisoryCandidate,
  record: Readonly<AdvisoryHead> | undefined,
  getFacts: (id: string) => CveFacts | undefined,
): AdvisoryPart {
  const aliases = new Set<string>([c.advisoryId, ...c.aliases, ...(record?.aliases ?? [])]);
  aliases.delete(id);
  const facts = /^CVE-/.test(id) ? getFacts(id) : undefined;
  const ratings: SeverityEntry[] = [];
  const keys = new Set<string>();
  for (const list of [record?.severities, facts?.severities])
    for (const e of list ?? []) {
      const k = ratingKey(e);
      if (keys.has(k)) continue;
      keys.add(k);
      ratings.push(e);
    }
  const references = new Set<string>();
  addReferences(references, record?.references);
  addReferences(references, facts?.references);
  const part: AdvisoryPart = {
    id,
    source: c.source,
    from: c.aliases,
    aliases: [...aliases].sort(),
    ratings,
    ratingKeys: keys,
    references: [...references],
    cwes: [...new Set([...(record?.cwes ?? []), ...(facts?.cwes ?? [])])].sort(),
  };
  const description = record?.description ?? facts?.description;
  if (description !== undefined) part.description = description;
  if (record?.summary !== undefined) part.summary = record.summary;
  const published = record?.published ?? facts?.published;
  if (published !== undefined) part.published = published;
  if (facts) part.facts = facts;
  return part;
}

function unique(list: readonly string[]): string[] {
  return list.length < 2 ? [...list] : [...new Set(list)];
}

/** A finding from one advisory (most of them): buildFinding's result, from the cached advisory part. */
function singleFinding(
  id: string,
  h: Hit,
  pkg: Package,
  namespace: string,
  version: string,
  parts: Map<string, AdvisoryPart>,
  getFacts: (id: string) => CveFacts | undefined,
): Finding {
  const c = h.candidate;
  let part = parts.get(c.advisoryId);
  if (!part || part.id !== id || !sameSource(part, c)) {
    part = advisoryPart(id, c, h.record, getFacts);
    parts.set(c.advisoryId, part);
  }
  const aff = c.affected.severity;
  let ratings: SeverityEntry[];
  if (!aff) ratings = [...part.ratings];
  else if (!part.ratingKeys.has(ratingKey(aff))) ratings = [aff, ...part.ratings];
  else {
    const k = ratingKey(aff);
    ratings = [aff];
    for (const r of part.ratings) if (ratingKey(r) !== k) ratings.push(r);
  }
  const status = c.affected.status;
  const sources = [c.source];
  const finding: Finding = {
    id,
    aliases: [...part.aliases],
    package: findingPackage(pkg),
    installedVersion: version,
    fixedVersions: status === "not_affected" ? [] : unique(h.fixed),
    status: findingStatus(status, h.fixed.length),
    affectedRanges: unique(h.ranges),
    namespace,
    sources,
    advisoryIds: [c.advisoryId],
    ratings,
    severity: assessSeverity(ratings, preferredSources(pkg.type, namespace, sources)),
    references: [...part.references],
    cwes: [...part.cwes],
  };
  const facts = part.facts;
  if (facts?.epss) finding.epss = facts.epss;
  if (facts?.kev) finding.kev = facts.kev;
  if (part.summary) finding.summary = part.summary;
  if (part.description) finding.description = part.description;
  if (part.published) finding.published = part.published;
  if (c.affected.note) finding.note = c.affected.note;
  return finding;
}

function buildFinding(
  id: string,
  hits: Hit[],
  pkg: Package,
  namespace: string,
  version: string,
  getFacts: (id: string) => CveFacts | undefined,
): Finding {
  hits.sort((a, b) => STATUS_RANK[a.candidate.affected.status] - STATUS_RANK[b.candidate.affected.status]);
  const primary = hits[0]!;
  const aliases = new Set<string>();
  const sources = new Set<string>();
  const advisoryIds = new Set<string>();
  // Sets keep insertion order: the arrays below are these sets' values, first occurrence first.
  const fixed = new Set<string>();
  const ranges = new Set<string>();
  const ratings: SeverityEntry[] = [];
  const seenRatings = new Set<string>();
  const references = new Set<string>();
  const cwes = new Set<string>();
  let description: string | undefined;
  let summary: string | undefined;
  let published: string | undefined;
  let note: string | undefined;
  /** One rating per (source, rating, CVSS list). */
  const addRating = (e: SeverityEntry | undefined) => {
    if (!e) return;
    const key = ratingKey(e);
    if (seenRatings.has(key)) return;
    seenRatings.add(key);
    ratings.push(e);
  };
  for (const h of hits) {
    const c = h.candidate;
    advisoryIds.add(c.advisoryId);
    sources.add(c.source);
    aliases.add(c.advisoryId);
    for (const a of c.aliases) aliases.add(a);
    for (const a of h.record?.aliases ?? []) aliases.add(a);
    for (const f of h.fixed) fixed.add(f);
    for (const r of h.ranges) ranges.add(r);
    addRating(c.affected.severity);
    for (const s of h.record?.severities ?? []) addRating(s);
    addReferences(references, h.record?.references);
    for (const w of h.record?.cwes ?? []) cwes.add(w);
    description ??= h.record?.description;
    summary ??= h.record?.summary;
    published ??= h.record?.published;
    note ??= c.affected.note;
  }
  const facts = /^CVE-/.test(id) ? getFacts(id) : undefined;
  for (const s of facts?.severities ?? []) addRating(s);
  addReferences(references, facts?.references);
  for (const w of facts?.cwes ?? []) cwes.add(w);
  description ??= facts?.description;
  published ??= facts?.published;
  aliases.delete(id);
  const status = primary.candidate.affected.status;
  const finding: Finding = {
    id,
    aliases: [...aliases].sort(),
    package: findingPackage(pkg),
    installedVersion: version,
    fixedVersions: status === "not_affected" ? [] : [...fixed],
    status: findingStatus(status, fixed.size),
    affectedRanges: [...ranges],
    namespace,
    sources: [...sources].sort(),
    advisoryIds: [...advisoryIds].sort(),
    ratings,
    severity: assessSeverity(ratings, preferredSources(pkg.type, namespace, [...sources])),
    references: [...references],
    cwes: [...cwes].sort(),
  };
  if (facts?.epss) finding.epss = facts.epss;
  if (facts?.kev) finding.kev = facts.kev;
  if (summary) finding.summary = summary;
  if (description) finding.description = description;
  if (published) finding.published = published;
  if (note) finding.note = note;
  return finding;
}
