/**
 * `--format gitlab`: a GitLab container-scanning report (`gl-container-scanning-report.json`, consumed via
 * `artifacts: reports: container_scanning:`), following GitLab's security-report-schemas
 * container-scanning-report-format, schema version 15.0.7: `version`, `scan` (analyzer, scanner, type,
 * times without fractional seconds, status), `vulnerabilities[]` with id, severity (Critical, High, Medium,
 * Low, Unknown), identifiers, location {dependency {package {name}, version}, operating_system, image}.
 */
import { createHash } from "node:crypto";
import type { DisplaySeverity, Finding } from "../match/types.js";
import type { VulnReport } from "./model.js";
import { advisoryUrl, oneLine, paragraph, safeUrl } from "./text.js";

export const GITLAB_SCHEMA_VERSION = "15.0.7";

const SEVERITY: Record<DisplaySeverity, string> = {
  critical: "Critical",
  high: "High",
  medium: "Medium",
  low: "Low",
  unspecified: "Unknown",
};

/** GitLab's date-time pattern: `YYYY-MM-DDTHH:MM:SS` (no fraction, no zone). */
function glTime(iso: string): string {
  return iso.slice(0, 19);
}

/** A stable UUID-shaped id from the finding's identity. */
function uuidOf(text: string): string {
  const h = createHash("sha256").update(text).digest("hex");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${((Number.parseInt(h.slice(16, 18), 16) & 0x3f) | 0x80).toString(16)}${h.slice(18, 20)}-${h.slice(20, 32)}`;
}

function identifiers(f: Finding): Record<string, string>[] {
  const ids: Record<string, string>[] = [];
  for (const id of [f.id, ...f.aliases].slice(0, 20)) {
    const type = /^CVE-/.test(id)
      ? "cve"
      : /^GHSA-/.test(id)
        ? "ghsa"
        : id.split("-")[0]!.toLowerCase() || "id";
    const entry: Record<string, string> = { type, name: id, value: id };
    const url = safeUrl(advisoryUrl({ id, references: [] }));
    if (url) entry.url = url;
    ids.push(entry);
  }
  return ids;
}

export function renderGitlab(r: VulnReport): string {
  const image = oneLine(r.target.name ?? r.target.reference, 500);
  const os = r.target.distro ? oneLine(r.target.distro, 100) : "Unknown";
  const vulns = r.findings
    .filter((f) => !f.suppressed)
    .map((f) => {
      const fixed = f.fixedVersions[0];
      const v: Record<string, unknown> = {
        id: uuidOf(`${f.id}|${f.package.purl}`),
        name: oneLine(`${f.id} in ${f.package.name}`, 255),
        description: paragraph(f.description ?? f.summary ?? f.id, 1000) || f.id,
        severity: SEVERITY[f.severity.rating],
        solution: fixed ? oneLine(`Upgrade ${f.package.name} to ${fixed}`, 500) : "No solution provided",
        location: {
          dependency: {
            package: { name: oneLine(f.package.name, 255) },
            version: oneLine(f.installedVersion, 255),
          },
          operating_system: os,
          image,
        },
        identifiers: identifiers(f),
        links: f.references
          .map((u) => safeUrl(u))
          .filter((u): u is string => !!u)
          .slice(0, 10)
          .map((url) => ({ url })),
      };
      return v;
    });
  const now = glTime(r.generatedAt);
  const vendor = { name: "Vigil" };
  const doc = {
    version: GITLAB_SCHEMA_VERSION,
    scan: {
      analyzer: { id: "vigil", name: "Vigil", version: r.tool.version, vendor },
      scanner: {
        id: "vigil",
        name: "Vigil",
        version: r.tool.version,
        vendor,
        url: "https://github.com/vigil-scan/vigil",
      },
      type: "container_scanning",
      start_time: now,
      end_time: now,
      status: "success",
    },
    vulnerabilities: vulns,
    remediations: [],
  };
  return `${JSON.stringify(doc, null, 2)}\n`;
}
