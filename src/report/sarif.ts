/**
 * `--format sarif`: SARIF 2.1.0 for GitHub code scanning — one rule per vulnerability, one result per
 * (vulnerability, package, location). Levels: critical/high → error, medium → warning, low/unspecified →
 * note; `security-severity` carries the CVSS score (GitHub's severity column).
 *
 * A rule stands for every package the vulnerability was found in: its level and `security-severity` are
 * those of its most severe finding (GitHub files an alert under its rule's severity, so a CVE that a
 * distro rates low in an OS package and an advisory rates high in a language package is filed as high),
 * its help lists each package with its fixed versions, and its name says which kind of package it
 * concerns, as Trivy's names go: `OsPackageVulnerability`, `LanguageSpecificPackageVulnerability`, or
 * `PackageVulnerability` for both.
 */
import { OS_TYPES } from "../match/namespaces.js";
import type { DisplaySeverity, Finding } from "../match/types.js";
import type { VulnReport } from "./model.js";
import { advisoryUrl, oneLine, paragraph, safeUrl } from "./text.js";

const LEVEL: Record<DisplaySeverity, "error" | "warning" | "note"> = {
  critical: "error",
  high: "error",
  medium: "warning",
  low: "note",
  unspecified: "note",
};

/** GitHub maps security-severity to its bands (>9 critical, 7–8.9 high, 4–6.9 medium, 0.1–3.9 low). */
const DEFAULT_SCORE: Record<DisplaySeverity, string> = {
  critical: "9.5",
  high: "8.0",
  medium: "5.5",
  low: "2.0",
  unspecified: "0.0",
};

function securitySeverity(f: Finding): string {
  const s = f.severity.cvss?.score;
  // keep the chosen rating authoritative: a LOW finding with an NVD 9.8 must not show as critical
  if (s !== undefined && f.severity.ratingSource?.startsWith("cvss:")) return s.toFixed(1);
  return DEFAULT_SCORE[f.severity.rating];
}

/** SARIF artifact URIs are relative paths without a leading slash. */
function uriOf(path: string): string {
  return encodeURI(path.replace(/^\/+/, "")) || "image";
}

const RANK: Record<DisplaySeverity, number> = { critical: 4, high: 3, medium: 2, low: 1, unspecified: 0 };
/** Packages listed in a rule's help; the results name every one. */
const HELP_PACKAGES = 50;

function ruleName(group: readonly Finding[]): string {
  const os = group.filter((f) => OS_TYPES.has(f.package.type)).length;
  if (os === group.length) return "OsPackageVulnerability";
  return os === 0 ? "LanguageSpecificPackageVulnerability" : "PackageVulnerability";
}

function rule(id: string, group: readonly Finding[]): Record<string, unknown> {
  const first = group[0]!;
  // The most severe finding decides the rule's level; among equals, the higher score.
  let top = first;
  for (const f of group) {
    const d = RANK[f.severity.rating] - RANK[top.severity.rating];
    if (d > 0 || (d === 0 && Number(securitySeverity(f)) > Number(securitySeverity(top)))) top = f;
  }
  const url = safeUrl(advisoryUrl(first));
  const short = oneLine(first.summary ?? `${id} in ${first.package.name}`, 200);
  const full = paragraph(first.description ?? first.summary ?? id, 1000) || id;
  const rating = top.severity.rating.toUpperCase();
  // One help row per package (a package matched through two records is one row).
  const rows = new Map<string, { name: string; purl: string; fixed: string; rating: string }>();
  for (const f of group) {
    const fixed = f.fixedVersions.join(", ") || "not fixed";
    const rating = f.severity.rating.toUpperCase();
    rows.set(`${f.package.purl}\0${fixed}\0${rating}`, {
      name: f.package.name,
      purl: f.package.purl,
      fixed,
      rating,
    });
  }
  const listed = [...rows.values()].slice(0, HELP_PACKAGES);
  const more = rows.size - listed.length;
  // Each package's own rating, when they differ (a distro's and an advisory's for the same CVE).
  const mixed = new Set([...rows.values()].map((x) => x.rating)).size > 1;
  const cell = (t: string) => oneLine(t, 200).replace(/\|/g, "\\|");
  const r: Record<string, unknown> = {
    id,
    name: ruleName(group),
    shortDescription: { text: short },
    fullDescription: { text: full },
    defaultConfiguration: { level: LEVEL[top.severity.rating] },
    help: {
      text: [
        `Vulnerability ${id}`,
        `Severity: ${rating}`,
        ...listed.map(
          (x) =>
            `Package: ${x.purl}\n${mixed ? `Package severity: ${x.rating}\n` : ""}Fixed version: ${x.fixed}`,
        ),
        ...(more > 0 ? [`and ${more} more packages`] : []),
      ].join("\n"),
      markdown: [
        "| Vulnerability | Severity | Package | Fixed version |",
        "| --- | --- | --- | --- |",
        ...listed.map((x) => `| ${cell(id)} | ${x.rating} | ${cell(x.name)} | ${cell(x.fixed)} |`),
        ...(more > 0 ? [`\nand ${more} more packages`] : []),
      ].join("\n"),
    },
    properties: {
      "security-severity": securitySeverity(top),
      tags: ["vulnerability", "security", rating],
      ...(top.severity.cvss ? { cvssV3_vector: top.severity.cvss.vector } : {}),
    },
  };
  if (url) r.helpUri = url;
  return r;
}

export function renderSarif(r: VulnReport): string {
  // Findings by vulnerability, in the report's order: a rule each.
  const groups = new Map<string, Finding[]>();
  for (const f of r.findings) {
    if (f.suppressed) continue;
    const g = groups.get(f.id);
    if (g) g.push(f);
    else groups.set(f.id, [f]);
  }
  const rules: Record<string, unknown>[] = [];
  const ruleIndex = new Map<string, number>();
  for (const [id, group] of groups) {
    ruleIndex.set(id, rules.length);
    rules.push(rule(id, group));
  }
  const results: Record<string, unknown>[] = [];
  for (const f of r.findings) {
    if (f.suppressed) continue;
    const idx = ruleIndex.get(f.id)!;
    const locations = f.package.locations.length ? f.package.locations.slice(0, 10) : [{ path: "" }];
    for (const loc of locations) {
      results.push({
        ruleId: f.id,
        ruleIndex: idx,
        level: LEVEL[f.severity.rating],
        message: {
          text: `Package: ${f.package.purl}\nInstalled version: ${f.installedVersion}\nFixed version: ${
            f.fixedVersions.join(", ") || "not fixed"
          }\nVulnerability: ${f.id}\nSeverity: ${f.severity.rating.toUpperCase()}`,
        },
        locations: [
          {
            physicalLocation: {
              artifactLocation: { uri: uriOf(loc.path) },
              region: { startLine: 1, startColumn: 1, endLine: 1, endColumn: 1 },
            },
            message: {
              text: `${f.package.purl}${"layerDiffId" in loc && loc.layerDiffId ? ` (layer ${loc.layerDiffId})` : ""}`,
            },
          },
        ],
        partialFingerprints: { "vigil/v1": `${f.id}:${f.package.purl}:${loc.path}` },
      });
    }
  }
  const doc = {
    $schema: "https://json.schemastore.org/sarif-2.1.0.json",
    version: "2.1.0",
    runs: [
      {
        tool: {
          driver: {
            name: "vigil",
            fullName: "Vigil container image analysis",
            version: r.tool.version,
            semanticVersion: r.tool.version,
            informationUri: "https://github.com/vigil-scan/vigil",
            rules,
          },
        },
        automationDetails: { id: `vigil/cves/${oneLine(r.target.name ?? r.target.reference, 200)}` },
        results,
        properties: {
          imageReference: r.target.reference,
          ...(r.target.digest ? { imageDigest: r.target.digest } : {}),
        },
      },
    ],
  };
  return `${JSON.stringify(doc, null, 2)}\n`;
}
