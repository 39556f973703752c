/** `vigil compare` renderers: text (Scout's Overview + Packages and Vulnerabilities), markdown, json. */
import type { ComparisonResult, PackageDiff } from "../compare/compare.js";
import type { Finding } from "../match/types.js";
import type { Sbom } from "../sbom/model.js";
import { deltaCells } from "./delta.js";
import { countCells, escapeMarkdown, humanSize, oneLine, shortDigest } from "./text.js";

export interface CompareRenderOptions {
  ignoreUnchanged?: boolean;
}

const MARK: Record<PackageDiff["change"], string> = {
  added: "+",
  removed: "-",
  upgraded: "↑",
  downgraded: "↓",
  changed: "~",
  unchanged: " ",
};

function name(s: Sbom): string {
  const tag = s.image.tags?.[0];
  return oneLine(tag ?? s.image.name ?? s.image.reference, 80);
}

function platform(s: Sbom): string {
  const p = s.image.platform;
  return p ? `${p.os}/${p.architecture}${p.variant ? `/${p.variant}` : ""}` : "";
}

function signed(n: number): string {
  return n > 0 ? `+${n}` : `${n}`;
}

function visible(r: ComparisonResult, o: CompareRenderOptions): PackageDiff[] {
  return r.packages.filter(
    (p) =>
      !(
        o.ignoreUnchanged &&
        p.change === "unchanged" &&
        p.addedVulns.length === 0 &&
        p.removedVulns.length === 0
      ),
  );
}

function vulnLine(f: Finding, sign: string): string {
  return `${sign} ${f.severity.rating.toUpperCase().padEnd(11)} ${oneLine(f.id, 40)}`;
}

export function renderCompareText(r: ComparisonResult, o: CompareRenderOptions = {}): string {
  const a = r.analyzed.sbom;
  const b = r.comparison.sbom;
  const showU = r.analyzed.counts.unspecified + r.comparison.counts.unspecified > 0;
  const sizeA = a.image.size;
  const sizeB = b.image.size;
  const rows: [string, string, string][] = [
    ["Target", name(a), name(b)],
    ["  digest", shortDigest(a.image.digest), shortDigest(b.image.digest)],
    ["  platform", platform(a), platform(b)],
  ];
  if (a.provenance?.sourceRepository || b.provenance?.sourceRepository)
    rows.push([
      "  provenance",
      oneLine(a.provenance?.sourceRepository ?? "", 60),
      oneLine(b.provenance?.sourceRepository ?? "", 60),
    ]);
  rows.push([
    "  vulnerabilities",
    countCells(r.analyzed.counts, showU),
    countCells(r.comparison.counts, showU),
  ]);
  rows.push(["", deltaCells(r.delta, showU), ""]);
  if (sizeA !== undefined || sizeB !== undefined)
    rows.push([
      "  size",
      `${humanSize(sizeA)}${sizeA !== undefined && sizeB !== undefined ? ` (${sizeA - sizeB >= 0 ? "+" : "-"}${humanSize(Math.abs(sizeA - sizeB))})` : ""}`,
      humanSize(sizeB),
    ]);
  rows.push([
    "  packages",
    `${a.packages.length} (${signed(a.packages.length - b.packages.length)})`,
    `${b.packages.length}`,
  ]);
  const w0 = Math.max(...rows.map((x) => x[0].length), 18);
  const w1 = Math.max(...rows.map((x) => x[1].length), "Analyzed Image".length) + 2;
  const lines: string[] = ["", "  ## Overview", ""];
  lines.push(`  ${"".padEnd(w0)}  │  ${"Analyzed Image".padEnd(w1)}│  Comparison Image`);
  lines.push(`  ${"─".repeat(w0 + 2)}┼${"─".repeat(w1 + 2)}┼${"─".repeat(30)}`);
  for (const [k, x, y] of rows) lines.push(`  ${k.padEnd(w0)}  │ ${x.padEnd(w1)} │ ${y}`);
  if (r.env.added.length || r.env.removed.length) {
    lines.push("", "", "  ## Environment Variables", "");
    for (const e of r.env.added) lines.push(`    + ${oneLine(e, 200)}`);
    for (const e of r.env.removed) lines.push(`    - ${oneLine(e, 200)}`);
  }
  if (r.labels.added.length || r.labels.removed.length) {
    lines.push("", "", "  ## Labels", "");
    for (const e of r.labels.added) lines.push(`    + ${oneLine(e, 200)}`);
    for (const e of r.labels.removed) lines.push(`    - ${oneLine(e, 200)}`);
  }
  lines.push("", "", "  ## Packages and Vulnerabilities", "");
  for (const p of visible(r, o)) {
    if (p.change === "unchanged" && p.addedVulns.length === 0 && p.removedVulns.length === 0) continue;
    const v =
      p.change === "added"
        ? p.versions.join(", ")
        : p.change === "removed"
          ? p.previousVersions.join(", ")
          : p.change === "unchanged"
            ? p.versions.join(", ")
            : `${p.previousVersions.join(", ")} → ${p.versions.join(", ")}`;
    lines.push(`  ${MARK[p.change]} ${oneLine(p.name, 80)} ${oneLine(v, 120)}  (${p.type})`);
    for (const f of p.addedVulns) lines.push(`      ${vulnLine(f, "+")}`);
    for (const f of p.removedVulns) lines.push(`      ${vulnLine(f, "-")}`);
  }
  const s = r.summary;
  lines.push("");
  lines.push(`    + ${String(s.added).padStart(4)} packages added`);
  lines.push(`    - ${String(s.removed).padStart(4)} packages removed`);
  if (s.upgraded) lines.push(`    ↑ ${String(s.upgraded).padStart(4)} packages upgraded`);
  if (s.downgraded) lines.push(`    ↓ ${String(s.downgraded).padStart(4)} packages downgraded`);
  if (s.changed) lines.push(`    ~ ${String(s.changed).padStart(4)} packages changed`);
  lines.push(`      ${String(s.unchanged).padStart(4)} packages unchanged`);
  lines.push(
    `    + ${String(r.vulnerabilities.added.length).padStart(4)} vulnerabilities added, - ${r.vulnerabilities.removed.length} removed`,
  );
  return `${lines.join("\n")}\n`;
}

export function renderCompareMarkdown(r: ComparisonResult, o: CompareRenderOptions = {}): string {
  const a = r.analyzed.sbom;
  const b = r.comparison.sbom;
  const c = (x: typeof r.delta) =>
    `${x.critical}C ${x.high}H ${x.medium}M ${x.low}L${x.unspecified ? ` ${x.unspecified}?` : ""}`;
  const d = (x: typeof r.delta) =>
    (["critical", "high", "medium", "low", "unspecified"] as const)
      .map((k) => (x[k] ? `${signed(x[k])}${k === "unspecified" ? "?" : k[0]!.toUpperCase()}` : ""))
      .filter(Boolean)
      .join(" ") || "no change";
  const out: string[] = [];
  out.push("## Overview", "");
  out.push("| | Analyzed Image | Comparison Image |", "|---|---|---|");
  out.push(`| Target | ${escapeMarkdown(name(a))} | ${escapeMarkdown(name(b))} |`);
  out.push(`| digest | \`${shortDigest(a.image.digest)}\` | \`${shortDigest(b.image.digest)}\` |`);
  out.push(`| vulnerabilities | ${c(r.analyzed.counts)} (${d(r.delta)}) | ${c(r.comparison.counts)} |`);
  out.push(
    `| packages | ${a.packages.length} (${signed(a.packages.length - b.packages.length)}) | ${b.packages.length} |`,
  );
  out.push("", "## Packages and Vulnerabilities", "");
  out.push("| | Package | Type | Version | Vulnerabilities |", "|---|---|---|---|---|");
  for (const p of visible(r, o)) {
    if (p.change === "unchanged" && p.addedVulns.length === 0 && p.removedVulns.length === 0) continue;
    const v =
      p.change === "added" || p.change === "unchanged"
        ? p.versions.join(", ")
        : p.change === "removed"
          ? p.previousVersions.join(", ")
          : `${p.previousVersions.join(", ")} → ${p.versions.join(", ")}`;
    const vulns = [
      ...p.addedVulns.map((f) => `+${escapeMarkdown(f.id)} (${f.severity.rating})`),
      ...p.removedVulns.map((f) => `-${escapeMarkdown(f.id)} (${f.severity.rating})`),
    ].join("<br>");
    out.push(
      `| ${MARK[p.change].trim() || "="} | ${escapeMarkdown(p.name)} | ${p.type} | ${escapeMarkdown(v)} | ${vulns} |`,
    );
  }
  const s = r.summary;
  out.push(
    "",
    `${s.added} added, ${s.removed} removed, ${s.upgraded} upgraded, ${s.downgraded} downgraded, ${s.unchanged} unchanged packages; ${r.vulnerabilities.added.length} vulnerabilities added, ${r.vulnerabilities.removed.length} removed.`,
  );
  return `${out.join("\n")}\n`;
}

export function renderCompareJson(r: ComparisonResult, o: CompareRenderOptions = {}): string {
  const img = (s: Sbom) => ({
    reference: s.image.reference,
    name: s.image.name,
    tags: s.image.tags,
    digest: s.image.digest,
    platform: s.image.platform,
    size: s.image.size,
    packages: s.packages.length,
  });
  const fv = (f: Finding) => ({
    id: f.id,
    aliases: f.aliases,
    severity: f.severity.rating,
    version: f.package.version,
    fixedVersions: f.fixedVersions,
  });
  return `${JSON.stringify(
    {
      analyzed: { ...img(r.analyzed.sbom), vulnerabilities: r.analyzed.counts },
      comparison: { ...img(r.comparison.sbom), vulnerabilities: r.comparison.counts },
      delta: r.delta,
      summary: r.summary,
      packages: visible(r, o).map((p) => ({
        key: p.key,
        type: p.type,
        name: p.name,
        change: p.change,
        versions: p.versions,
        previousVersions: p.previousVersions,
        addedVulnerabilities: p.addedVulns.map(fv),
        removedVulnerabilities: p.removedVulns.map(fv),
      })),
      env: r.env,
      labels: r.labels,
    },
    null,
    2,
  )}\n`;
}
