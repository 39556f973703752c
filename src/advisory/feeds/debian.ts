/**
 * Debian security tracker: the per-source-package JSON (https://security-tracker.debian.org/tracker/data/json)
 * and the DSA/DLA/DTSA `list` files of the tracker's git repository.
 *
 * Status mapping for the JSON (per release):
 * - `resolved` with fixed_version "0" → not_affected (Debian's convention: never vulnerable in that release);
 * - `resolved` with a version → fixed (range introduced 0, fixed X);
 * - `open` → affected, or will_not_fix when nodsa_reason is "ignored", fix_deferred when "postponed";
 * - urgency `end-of-life` → end_of_life (no security support for the package in that release);
 * - `undetermined` → under_investigation.
 * `unimportant` urgency keeps the tracker status (affected/fixed) and rates the entry "negligible":
 * Debian uses it for issues that do not affect the binary packages' security, so the report layer can
 * hide it by severity, while the fact that the code is present is not lost.
 */
import { normaliseRating } from "../cvss.js";
import { DEBIAN_CODENAMES, debianNamespace } from "../namespaces.js";
import type { AdvisoryRecord, AdvisoryStatus, AffectedPackage } from "../types.js";
import { cleanId, cleanText, isObject, jsonDocument } from "./text.js";
import type { Feed, FeedContext, FeedFile, FeedItem } from "./types.js";

// ---------------------------------------------------------------- tracker JSON

export function detectDebianTracker(file: FeedFile): boolean {
  if (!/\.json$/i.test(file.name) && /\.[a-z]+$/i.test(file.name)) return false;
  const head = file.data.subarray(0, 8192).toString("utf8");
  return /^\s*\{\s*"[^"]+"\s*:\s*\{\s*"(CVE-\d+-\d+|TEMP-[0-9A-F-]+)"\s*:\s*\{/.test(head);
}

function trackerEntry(
  pkg: string,
  release: string,
  rv: Record<string, unknown>,
): AffectedPackage | undefined {
  const namespace = debianNamespace(release);
  if (!namespace) return undefined;
  const status = cleanId(rv.status, 64) ?? "";
  const fixed = cleanId(rv.fixed_version, 256);
  const urgency = cleanId(rv.urgency, 64);
  const reason = cleanId(rv.nodsa_reason, 64);
  const nodsa = cleanId(rv.nodsa, 1024);
  let st: AdvisoryStatus;
  const entry: AffectedPackage = { namespace, name: pkg, status: "unknown", ranges: [] };
  if (status === "resolved" && fixed === "0") st = "not_affected";
  else if (status === "resolved" && fixed) {
    st = "fixed";
    entry.ranges = [{ type: "ECOSYSTEM", events: [{ introduced: "0" }, { fixed }] }];
    entry.fixedVersions = [fixed];
  } else if (urgency === "end-of-life") {
    st = "end_of_life";
    entry.ranges = [{ type: "ECOSYSTEM", events: [{ introduced: "0" }] }];
  } else if (status === "open") {
    st = reason === "ignored" ? "will_not_fix" : reason === "postponed" ? "fix_deferred" : "affected";
    entry.ranges = [{ type: "ECOSYSTEM", events: [{ introduced: "0" }] }];
  } else if (status === "undetermined") {
    st = "under_investigation";
    entry.ranges = [{ type: "ECOSYSTEM", events: [{ introduced: "0" }] }];
  } else st = "unknown";
  entry.status = st;
  if (urgency)
    entry.severity = { source: "debian", ratingText: urgency, rating: normaliseRating(urgency) ?? "unknown" };
  const notes = [nodsa ? `no-dsa${reason ? ` (${reason})` : ""}: ${nodsa}` : undefined].filter(Boolean);
  if (notes.length) entry.note = notes.join("; ");
  return entry;
}

function* parseTracker(file: FeedFile, ctx: FeedContext): Generator<FeedItem> {
  const doc = jsonDocument(file.data, file.name, (n, r) => ctx.skip(n, r), "a tracker JSON object");
  if (!isObject(doc)) return;
  for (const [rawPkg, cves] of Object.entries(doc)) {
    const pkg = cleanId(rawPkg, 256);
    if (!pkg || !isObject(cves)) {
      ctx.skip(`${file.name}#${rawPkg.slice(0, 80)}`, "package entry is not an object");
      continue;
    }
    for (const [rawId, v] of Object.entries(cves)) {
      const cve = cleanId(rawId, 128);
      if (!cve || !isObject(v)) {
        ctx.skip(`${pkg}/${rawId.slice(0, 80)}`, "CVE entry is not an object");
        continue;
      }
      const affected: AffectedPackage[] = [];
      if (isObject(v.releases)) {
        for (const [rel, rv] of Object.entries(v.releases)) {
          if (!isObject(rv)) continue;
          const e = trackerEntry(pkg, rel, rv);
          if (e) affected.push(e);
        }
      } else if (v.releases !== undefined && !Array.isArray(v.releases)) {
        ctx.skip(`${pkg}/${cve}`, "releases is not an object");
        continue;
      }
      const rec: AdvisoryRecord = {
        id: `DEBIAN-${cve}`,
        aliases: [cve],
        source: "debian",
        affected,
        severities: [],
        cwes: [],
        references: [`https://security-tracker.debian.org/tracker/${encodeURIComponent(cve)}`],
      };
      const d = cleanText(v.description);
      if (d) rec.description = d;
      yield rec;
    }
  }
}

export const debianTrackerFeed: Feed = {
  name: "debian-tracker",
  detect: detectDebianTracker,
  async *parse(file, ctx) {
    yield* parseTracker(file, ctx);
  },
};

// ---------------------------------------------------------------- DSA / DLA / DTSA list files

const HEADER = /^\[([^\]]+)\]\s+((?:DSA|DLA|DTSA)-[0-9A-Za-z-]+)\s*(.*)$/;
const MONTHS = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];

/** "29 Mar 2023" or "August 26th, 2005" → ISO date. */
export function parseListDate(s: string): string | undefined {
  let m = /^(\d{1,2})\s+([A-Za-z]{3})[a-z]*\s+(\d{4})$/.exec(s.trim());
  let day: number;
  let mon: number;
  let year: number;
  if (m) {
    day = Number(m[1]);
    mon = MONTHS.indexOf(m[2]!.toLowerCase());
    year = Number(m[3]);
  } else {
    m = /^([A-Za-z]+)\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})$/.exec(s.trim());
    if (!m) return undefined;
    mon = MONTHS.indexOf(m[1]!.slice(0, 3).toLowerCase());
    day = Number(m[2]);
    year = Number(m[3]);
  }
  if (mon < 0 || day < 1 || day > 31) return undefined;
  return new Date(Date.UTC(year, mon, day)).toISOString();
}

export function detectDebianList(file: FeedFile): boolean {
  if (/(^|[/!])(DSA|DLA|DTSA)(\.list|\/list)$/.test(file.name)) return true;
  if (/\.[a-z]+$/i.test(file.name) && !/\.list$/i.test(file.name)) return false;
  const first = file.data.subarray(0, 512).toString("utf8").split("\n", 1)[0] ?? "";
  return HEADER.test(first);
}

function* parseList(file: FeedFile, ctx: FeedContext): Generator<FeedItem> {
  const lines = file.data.toString("utf8").split("\n");
  let cur: AdvisoryRecord | undefined;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.replace(/\r$/, "");
    if (!line.trim()) continue;
    const h = HEADER.exec(line);
    if (h) {
      if (cur) yield cur;
      const id = cleanId(h[2], 64)!;
      const rest = (h[3] ?? "").trim();
      const dash = rest.indexOf(" - ");
      const pkg = (dash >= 0 ? rest.slice(0, dash) : rest).trim();
      const title = dash >= 0 ? rest.slice(dash + 3).trim() : "";
      cur = {
        id,
        aliases: [],
        source: "debian",
        affected: [],
        severities: [],
        cwes: [],
        references: [`https://security-tracker.debian.org/tracker/${id}`],
      };
      const summary = cleanText(pkg && title ? `${pkg} - ${title}` : rest, 1024);
      if (summary) cur.summary = summary;
      const date = parseListDate(h[1]!);
      if (date) cur.published = date;
      continue;
    }
    if (!cur) {
      ctx.skip(`${file.name}:${i + 1}`, "line before the first advisory header");
      continue;
    }
    const t = line.trim();
    if (t.startsWith("{")) {
      const ids = t.replace(/[{}]/g, " ").split(/\s+/).filter(Boolean);
      for (const a of ids) {
        const c = cleanId(a, 128);
        if (c && !cur.aliases.includes(c)) cur.aliases.push(c);
      }
      continue;
    }
    const r = /^\[([a-z-]+)\]\s+-\s+(\S+)\s+(\S+)(?:\s+\((\w+)\))?/.exec(t);
    if (r) {
      const rel = r[1]!;
      const namespace = debianNamespace(rel) ?? `debian:${rel}`;
      const name = cleanId(r[2], 256)!;
      const ver = cleanId(r[3], 256)!;
      const e: AffectedPackage = { namespace, name, status: "fixed", ranges: [] };
      if (ver === "<not-affected>") e.status = "not_affected";
      else if (ver === "<unfixed>") {
        e.status = "affected";
        e.ranges = [{ type: "ECOSYSTEM", events: [{ introduced: "0" }] }];
      } else if (ver === "<end-of-life>") {
        e.status = "end_of_life";
        e.ranges = [{ type: "ECOSYSTEM", events: [{ introduced: "0" }] }];
      } else if (ver.startsWith("<")) e.status = "unknown";
      else {
        e.ranges = [{ type: "ECOSYSTEM", events: [{ introduced: "0" }, { fixed: ver }] }];
        e.fixedVersions = [ver];
      }
      if (r[4])
        e.severity = { source: "debian", ratingText: r[4], rating: normaliseRating(r[4]) ?? "unknown" };
      if (!DEBIAN_CODENAMES[rel.replace(/-.*$/, "")]) e.note = `release "${rel}"`;
      cur.affected.push(e);
      continue;
    }
    if (t.startsWith("NOTE:")) continue;
    ctx.skip(`${file.name}:${i + 1}`, `unrecognised line "${t.slice(0, 60)}"`);
  }
  if (cur) yield cur;
}

export const debianListFeed: Feed = {
  name: "debian-list",
  detect: detectDebianList,
  async *parse(file, ctx) {
    yield* parseList(file, ctx);
  },
};
