/**
 * `--format sarif`: SARIF 2.1.0 for GitHub code scanning — one rule per vulnerability, one result per
 * (vulnerability, package, location). Levels: critical/high → error, medium → warning, low/unspecified →
 * note; `security-severity` carries the CVSS score (GitHub's severity column).
 */
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

export function renderSarif(r: VulnReport): string {
  const rules: Record<string, unknown>[] = [];
  const ruleIndex = new Map<string, number>();
  const results: Record<string, unknown>[] = [];
  for (const f of r.findings) {
    if (f.suppressed) continue;
    let idx = ruleIndex.get(f.id);
    if (idx === undefined) {
      idx = rules.length;
      ruleIndex.set(f.id, idx);
      const url = safeUrl(advisoryUrl(f));
      const short = oneLine(f.summary ?? `${f.id} in ${f.package.name}`, 200);
      const full = paragraph(f.description ?? f.summary ?? f.id, 1000) || f.id;
      const rule: Record<string, unknown> = {
        id: f.id,
        name: "OsPackageVulnerability",
        shortDescription: { text: short },
        fullDescription: { text: full },
        defaultConfiguration: { level: LEVEL[f.severity.rating] },
        help: {
          text: `Vulnerability ${f.id}\nSeverity: ${f.severity.rating.toUpperCase()}\nPackage: ${f.package.purl}\nFixed version: ${f.fixedVersions.join(", ") || "not fixed"}`,
          markdown: `| Vulnerability | Severity | Package | Fixed version |\n| --- | --- | --- | --- |\n| ${f.id} | ${f.severity.rating.toUpperCase()} | ${oneLine(f.package.name, 100).replace(/\|/g, "\\|")} | ${(
            f.fixedVersions.join(", ") || "not fixed"
          ).replace(/\|/g, "\\|")} |`,
        },
        properties: {
          "security-severity": securitySeverity(f),
          tags: ["vulnerability", "security", f.severity.rating.toUpperCase()],
          ...(f.severity.cvss ? { cvssV3_vector: f.severity.cvss.vector } : {}),
        },
      };
      if (url) rule.helpUri = url;
      rules.push(rule);
    }
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
