/**
 * `--format packages` (the default): Scout's plain-text report — an Overview table, then one block per
 * vulnerable package (severity counts, name and version, purl, then each vulnerability), then the totals.
 */
import type { Finding } from "../match/types.js";
import type { PackageGroup, RenderOptions, VulnReport } from "./model.js";
import { totalFindings } from "./model.js";
import { advisoryUrl, countCells, humanSize, oneLine, paragraph, shortDigest, wrap } from "./text.js";

function plural(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** The two-column overview table (`Target │ name`, `digest │ …`, `vulnerabilities │ 0C 2H …`). */
export function overviewTable(r: VulnReport): string {
  const rows: [string, string][] = [];
  rows.push(["Target", ` ${oneLine(r.target.name ?? r.target.reference, 120)}`]);
  if (r.target.digest) rows.push(["  digest", ` ${shortDigest(r.target.digest)}`]);
  if (r.target.platform) rows.push(["  platform", oneLine(r.target.platform, 40)]);
  if (r.target.provenance?.repository)
    rows.push(["  provenance", oneLine(r.target.provenance.repository, 120)]);
  if (r.target.provenance?.commit) rows.push(["", ` ${oneLine(r.target.provenance.commit, 64)}`]);
  rows.push(["  vulnerabilities", countCells(r.counts)]);
  if (r.target.size !== undefined) rows.push(["  size", humanSize(r.target.size)]);
  rows.push(["  packages", String(r.target.packages)]);
  const left = Math.max(...rows.map(([a]) => a.length)) + 1;
  const right = Math.max(28, ...rows.map(([, b]) => b.length + 2));
  const title = "Analyzed Image";
  const pad = Math.max(0, right - title.length);
  const lines = [
    `${" ".repeat(left + 1)}│${" ".repeat(Math.ceil(pad / 2))}${title}`,
    `${"─".repeat(left + 1)}┼${"─".repeat(right + 1)}`,
    ...rows.map(([a, b]) => ` ${a.padEnd(left)}│ ${b}`),
  ];
  return lines.join("\n");
}

function findingBlock(f: Finding, opts: RenderOptions): string[] {
  const lines: string[] = [];
  const tags: string[] = [];
  if (f.kev) tags.push(" CISA KEV ");
  if (f.suppressed)
    tags.push(
      ` SUPPRESSED (VEX ${f.vex?.status}${f.vex?.justification ? `: ${oneLine(f.vex.justification, 80)}` : ""}) `,
    );
  const cwe = f.cwes.length
    ? ` [${f.cwes
        .slice(0, 3)
        .map((c) => oneLine(c, 40))
        .join(", ")}]`
    : "";
  const glyph = f.suppressed ? "✓" : "✗";
  lines.push(
    `    ${glyph} ${f.severity.rating.toUpperCase()} ${oneLine(f.id, 80)}${tags.length ? ` ${tags.join("")}` : ""}${cwe}`,
  );
  const url = advisoryUrl(f);
  if (url) lines.push(`      ${oneLine(url, 300)}`);
  if (opts.details) {
    const text = paragraph(f.description ?? f.summary);
    if (text) {
      lines.push("");
      lines.push(wrap(text, 88, "      "));
      lines.push("");
    }
  }
  const kv: [string, string][] = [];
  const ranges = f.affectedRanges.flatMap((r) => r.split(", "));
  for (const [i, r] of ranges.entries()) kv.push([i === 0 ? "Affected range" : "", oneLine(r, 120)]);
  kv.push([
    "Fixed version",
    f.fixedVersions.length ? f.fixedVersions.map((v) => oneLine(v, 80)).join(", ") : "not fixed",
  ]);
  if (
    f.status === "will_not_fix" ||
    f.status === "fix_deferred" ||
    f.status === "end_of_life" ||
    f.status === "under_investigation" ||
    f.status === "unknown" ||
    f.status === "not_affected"
  )
    kv.push(["Status", `${f.status.replace(/_/g, " ")}${f.note ? ` (${oneLine(f.note, 80)})` : ""}`]);
  if (
    opts.details &&
    f.severity.ratingSource &&
    !f.severity.ratingSource.startsWith("cvss:") &&
    f.severity.ratingText
  )
    kv.push([
      "Severity source",
      `${oneLine(f.severity.ratingSource, 30)} (${oneLine(f.severity.ratingText, 30)})`,
    ]);
  if (f.severity.cvss) {
    kv.push([
      "CVSS Score",
      `${f.severity.cvss.score}${f.severity.cvssSource && f.severity.cvssSource !== f.severity.ratingSource ? ` (${oneLine(f.severity.cvssSource, 30)})` : ""}`,
    ]);
    kv.push(["CVSS Vector", oneLine(f.severity.cvss.vector, 200)]);
  }
  if (opts.epss && f.epss) {
    kv.push(["EPSS Score", f.epss.score.toFixed(6)]);
    kv.push(["EPSS Percentile", f.epss.percentile.toFixed(6)]);
  }
  if (f.vex && !f.suppressed)
    kv.push([
      "VEX",
      `${f.vex.status}${f.vex.impactStatement ? ` (${oneLine(f.vex.impactStatement, 100)})` : ""}`,
    ]);
  const w = Math.max(...kv.map(([k]) => k.length));
  for (const [k, v] of kv) lines.push(`      ${k.padEnd(w)} : ${v}`);
  return lines;
}

function packageBlock(g: PackageGroup, opts: RenderOptions): string[] {
  const p = g.package;
  const lines = [
    `${countCells(g.counts)}  ${oneLine(p.name, 200)} ${oneLine(p.version, 120)}`,
    oneLine(p.purl, 500),
  ];
  if (opts.locations) {
    for (const loc of p.locations.slice(0, 20)) {
      lines.push(`    ${oneLine(loc.path, 300)}`);
      if (loc.layerDiffId || loc.layerIndex !== undefined)
        lines.push(
          `      layer ${loc.layerIndex ?? "?"}${loc.layerDiffId ? ` ${oneLine(loc.layerDiffId, 80)}` : ""}`,
        );
    }
  }
  lines.push("");
  for (const f of g.findings) {
    lines.push(...findingBlock(f, opts));
    lines.push("");
  }
  return lines;
}

/** The `✗ Detected N vulnerable packages with a total of M vulnerabilities` status line (stderr). */
export function detectedLine(r: VulnReport): string {
  const total = totalFindings(r);
  if (total === 0) return "✓ No vulnerable package detected";
  if (r.vulnerablePackages === 1)
    return `✗ Detected 1 vulnerable package with ${plural(total, "vulnerability", "vulnerabilities")}`;
  return `✗ Detected ${r.vulnerablePackages} vulnerable packages with a total of ${plural(total, "vulnerability", "vulnerabilities")}`;
}

export function renderPackages(r: VulnReport, opts: RenderOptions = {}): string {
  const out: string[] = [
    "",
    "## Overview",
    "",
    overviewTable(r),
    "",
    "",
    "## Packages and Vulnerabilities",
    "",
  ];
  if (r.groups.length === 0) {
    out.push("No vulnerable packages detected", "");
    return `${out.join("\n")}\n`;
  }
  for (const g of r.groups) out.push(...packageBlock(g, opts));
  const total = totalFindings(r);
  out.push(
    `${plural(total, "vulnerability", "vulnerabilities")} found in ${plural(r.vulnerablePackages, "package", "packages")}`,
  );
  const rows: [string, number][] = [
    ["CRITICAL", r.counts.critical],
    ["HIGH", r.counts.high],
    ["MEDIUM", r.counts.medium],
    ["LOW", r.counts.low],
  ];
  if (r.counts.unspecified > 0) rows.push(["UNSPECIFIED", r.counts.unspecified]);
  const w = Math.max(...rows.map(([, n]) => String(n).length));
  for (const [label, n] of rows)
    out.push(`  ${label.padEnd(rows.length > 4 ? 12 : 10)}${String(n).padEnd(w + 1)}`);
  return `${out.join("\n")}\n`;
}
