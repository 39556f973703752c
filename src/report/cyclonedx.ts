/**
 * `--format sbom`: CycloneDX 1.6 JSON with the vulnerabilities (CycloneDX VEX): every package as a
 * component, every finding as a vulnerability that `affects` its component, every source's rating, and the
 * VEX analysis when a statement applied.
 */
import { createHash } from "node:crypto";
import type { SeverityRating } from "../advisory/types.js";
import type { Finding } from "../match/types.js";
import type { VulnReport } from "./model.js";
import { advisoryUrl, paragraph, safeUrl, truncate } from "./text.js";

const CDX_SEVERITY: Record<SeverityRating, string> = {
  critical: "critical",
  high: "high",
  medium: "medium",
  low: "low",
  negligible: "info",
  unknown: "unknown",
};

const METHOD: Record<string, string> = {
  "2.0": "CVSSv2",
  "3.0": "CVSSv3",
  "3.1": "CVSSv31",
  "4.0": "CVSSv4",
};

const JUSTIFICATION: Record<string, string> = {
  component_not_present: "code_not_present",
  vulnerable_code_not_present: "code_not_present",
  vulnerable_code_not_in_execute_path: "code_not_reachable",
  vulnerable_code_cannot_be_controlled_by_adversary: "protected_by_mitigating_control",
  inline_mitigations_already_exist: "protected_by_mitigating_control",
};

const STATE: Record<string, string> = {
  not_affected: "not_affected",
  fixed: "resolved",
  under_investigation: "in_triage",
  affected: "exploitable",
};

function serial(r: VulnReport): string {
  const h = createHash("sha256")
    .update(`${r.target.reference}|${r.target.digest ?? ""}|${r.generatedAt}`)
    .digest("hex");
  return `urn:uuid:${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

function sourceOf(id: string): { name: string; url?: string } {
  const url = safeUrl(advisoryUrl({ id, references: [] }));
  const name = /^CVE-/.test(id) ? "NVD" : /^GHSA-/.test(id) ? "GitHub" : /^GO-/.test(id) ? "Go" : "OSV";
  return url ? { name, url } : { name };
}

function vulnerability(f: Finding): Record<string, unknown> {
  const ratings: Record<string, unknown>[] = [];
  for (const e of f.ratings) {
    if (e.cvss?.length) {
      for (const c of e.cvss)
        ratings.push({
          source: { name: e.source },
          score: c.score,
          ...(e.rating ? { severity: CDX_SEVERITY[e.rating] } : {}),
          method: METHOD[c.version] ?? "other",
          vector: c.vector,
        });
    } else if (e.rating) {
      ratings.push({ source: { name: e.source }, severity: CDX_SEVERITY[e.rating], method: "other" });
    }
  }
  const v: Record<string, unknown> = {
    "bom-ref": `${f.id}/${f.package.id}`,
    id: f.id,
    source: sourceOf(f.id),
    references: f.aliases.slice(0, 20).map((a) => ({ id: a, source: sourceOf(a) })),
    ratings,
    cwes: f.cwes.map((c) => Number(/^CWE-(\d+)$/.exec(c)?.[1])).filter((n) => Number.isInteger(n) && n > 0),
    advisories: f.references
      .map((u) => safeUrl(u))
      .filter((u): u is string => !!u)
      .slice(0, 20)
      .map((url) => ({ url })),
    affects: [
      { ref: f.package.id, versions: [{ version: truncate(f.installedVersion, 1024), status: "affected" }] },
    ],
  };
  const desc = paragraph(f.description, 10_000);
  if (desc) v.description = desc;
  if (f.fixedVersions.length)
    v.recommendation = `Upgrade ${f.package.name} to ${f.fixedVersions.join(" or ")}`;
  if (f.published && !Number.isNaN(Date.parse(f.published)))
    v.published = new Date(f.published).toISOString();
  if (f.vex) {
    const a: Record<string, unknown> = { state: STATE[f.vex.status] };
    const j = f.vex.justification ? JUSTIFICATION[f.vex.justification] : undefined;
    if (j && f.vex.status === "not_affected") a.justification = j;
    const detail = f.vex.impactStatement ?? f.vex.actionStatement;
    if (detail) a.detail = truncate(detail, 2000);
    v.analysis = a;
  }
  return v;
}

export function renderCycloneDxVex(r: VulnReport): string {
  const rootRef = `image:${r.target.digest ?? r.target.reference}`;
  const doc = {
    bomFormat: "CycloneDX",
    specVersion: "1.6",
    serialNumber: serial(r),
    version: 1,
    metadata: {
      timestamp: r.generatedAt,
      tools: { components: [{ type: "application", name: "vigil", version: r.tool.version }] },
      component: {
        type: "container",
        "bom-ref": rootRef,
        name: truncate(r.target.name ?? r.target.reference, 1000),
        ...(r.target.digest ? { version: r.target.digest } : {}),
      },
    },
    components: r.allPackages.map((p) => ({
      type: "library",
      "bom-ref": p.id,
      name: p.name,
      version: p.version,
      purl: p.purl,
    })),
    dependencies: [{ ref: rootRef, dependsOn: r.allPackages.map((p) => p.id) }],
    vulnerabilities: r.findings.map(vulnerability),
  };
  return `${JSON.stringify(doc, null, 2)}\n`;
}
