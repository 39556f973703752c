/**
 * `--format markdown`: a pull-request comment in Scout's layout — the header with shields.io badges, the
 * image reference table, then one collapsible section per vulnerable package. Feed text is escaped (HTML and
 * markdown) and bounded, so hostile advisory text cannot inject markup.
 */
import type { DisplaySeverity, Finding } from "../match/types.js";
import type { SeverityCounts, VulnReport } from "./model.js";
import { totalFindings } from "./model.js";
import { advisoryUrl, escapeHtml, escapeMarkdown, humanSize, oneLine, paragraph, safeUrl } from "./text.js";

const COLORS: Record<DisplaySeverity, string> = {
  critical: "8b1924",
  high: "e25d68",
  medium: "fbb552",
  low: "fce1a9",
  unspecified: "lightgrey",
};

const h = (s: string | undefined, max = 200) => escapeHtml(oneLine(s, max));

function badge(s: DisplaySeverity, n: number): string {
  const color = n === 0 ? "lightgrey" : COLORS[s];
  return `<img alt="${s}: ${n}" src="https://img.shields.io/badge/${s}-${n}-${color}"/>`;
}

export function badges(c: SeverityCounts): string {
  const list: DisplaySeverity[] = ["critical", "high", "medium", "low"];
  if (c.unspecified > 0) list.push("unspecified");
  return list.map((s) => badge(s, c[s])).join(" ");
}

function findingRow(f: Finding): string {
  const url = safeUrl(advisoryUrl(f));
  const id = url ? `<a href="${escapeHtml(url)}">${h(f.id, 80)}</a>` : h(f.id, 80);
  const sev = `<img alt="${f.severity.rating}" src="https://img.shields.io/badge/${f.severity.rating.toUpperCase()}-${COLORS[f.severity.rating] === "lightgrey" ? "lightgrey" : COLORS[f.severity.rating]}"/>`;
  const lines = [
    `<tr><td>${sev} ${id}${f.kev ? " <b>CISA KEV</b>" : ""}${f.suppressed ? ` <i>suppressed (VEX ${h(f.vex?.status, 30)})</i>` : ""}</td></tr>`,
  ];
  const detail: string[] = [];
  for (const [i, r] of f.affectedRanges.flatMap((x) => x.split(", ")).entries())
    detail.push(`${i === 0 ? "Affected range" : ""}${" ".repeat(i === 0 ? 1 : 15)}: ${h(r, 120)}`);
  detail.push(
    `Fixed version  : ${f.fixedVersions.length ? f.fixedVersions.map((v) => h(v, 80)).join(", ") : "not fixed"}`,
  );
  if (f.severity.cvss) {
    detail.push(`CVSS Score     : ${f.severity.cvss.score}`);
    detail.push(`CVSS Vector    : ${h(f.severity.cvss.vector, 200)}`);
  }
  if (f.epss)
    detail.push(
      `EPSS Score     : ${f.epss.score.toFixed(6)}`,
      `EPSS Percentile: ${f.epss.percentile.toFixed(6)}`,
    );
  lines.push(`<tr><td>\n\n<pre>${detail.join("\n")}</pre>\n</td></tr>`);
  const text = paragraph(f.description ?? f.summary, 1000);
  if (text)
    lines.push(
      `<tr><td>\n<details><summary>Description</summary>\n<blockquote>\n\n${escapeMarkdown(text)}\n</blockquote>\n</details>\n</td></tr>`,
    );
  return lines.join("\n");
}

export function renderMarkdown(r: VulnReport): string {
  const name = r.target.name ?? r.target.reference;
  const out: string[] = [];
  out.push(`<h2>:mag: Vulnerabilities of <code>${h(name)}</code></h2>`, "");
  out.push(
    `<details open="true"><summary>:package: Image Reference</strong> <code>${h(name)}</code></summary>`,
  );
  out.push("<table>");
  if (r.target.digest) out.push(`<tr><td>digest</td><td><code>${h(r.target.digest, 80)}</code></td></tr>`);
  out.push(`<tr><td>vulnerabilities</td><td>${badges(r.counts)}</td></tr>`);
  if (r.target.platform) out.push(`<tr><td>platform</td><td>${h(r.target.platform, 40)}</td></tr>`);
  if (r.target.size !== undefined) out.push(`<tr><td>size</td><td>${humanSize(r.target.size)}</td></tr>`);
  out.push(`<tr><td>packages</td><td>${r.target.packages}</td></tr>`);
  out.push("</table>", "</details>", "");
  if (r.groups.length === 0) {
    out.push("<p>No vulnerable packages detected</p>");
    return `${out.join("\n")}\n`;
  }
  out.push(`<table>\n<tr><th>Package</th><th>Vulnerabilities</th></tr>`);
  for (const g of r.groups) {
    out.push(
      `<tr><td><b>${h(g.package.name)}</b> <code>${h(g.package.version, 120)}</code><br/><code>${h(g.package.purl, 300)}</code></td><td>${badges(g.counts)}</td></tr>`,
    );
  }
  out.push("</table>", "");
  for (const g of r.groups) {
    out.push(
      `<details><summary>${badges(g.counts)} <strong>${h(g.package.name)}</strong> <code>${h(g.package.version, 120)}</code> (${h(g.package.type, 20)})</summary>`,
      "",
      `<small><code>${h(g.package.purl, 300)}</code></small><br/>`,
      "<table>",
    );
    for (const f of g.findings) out.push(findingRow(f));
    out.push("</table>", "</details>", "");
  }
  out.push(`<p>${totalFindings(r)} vulnerabilities found in ${r.vulnerablePackages} packages</p>`);
  return `${out.join("\n")}\n`;
}
