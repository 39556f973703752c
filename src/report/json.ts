/**
 * `--format json`: Vigil's own JSON report — the target, the counts and every finding with every source's
 * rating (so the severity choice is auditable). Text from feeds is kept but bounded in length; JSON
 * escaping makes control characters inert.
 */
import type { Finding } from "../match/types.js";
import type { VulnReport } from "./model.js";
import { truncate } from "./text.js";

export const JSON_REPORT_SCHEMA_VERSION = "1.0";

function boundFinding(f: Finding): Finding {
  const g: Finding = { ...f, references: f.references.slice(0, 50).map((r) => truncate(r, 2000)) };
  if (f.description) g.description = truncate(f.description, 10_000);
  if (f.summary) g.summary = truncate(f.summary, 1000);
  return g;
}

export function renderJson(r: VulnReport): string {
  const doc = {
    schemaVersion: JSON_REPORT_SCHEMA_VERSION,
    tool: r.tool,
    generatedAt: r.generatedAt,
    target: r.target,
    snapshot: r.snapshot,
    summary: {
      vulnerabilities: r.findings.filter((f) => !f.suppressed).length,
      vulnerablePackages: r.vulnerablePackages,
      counts: r.counts,
      suppressed: r.findings.filter((f) => f.suppressed).length,
    },
    findings: r.findings.map(boundFinding),
    warnings: r.warnings,
  };
  return `${JSON.stringify(doc, null, 2)}\n`;
}
