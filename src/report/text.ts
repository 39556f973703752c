/**
 * Making advisory text safe to print: feeds are untrusted (HTML, ANSI escapes, enormous descriptions).
 * Every renderer passes feed text through these helpers.
 */
import { sanitizeTerminal } from "../core/logger.js";
import type { DisplaySeverity, Finding } from "../match/types.js";
import type { SeverityCounts } from "./model.js";

export const MAX_DESCRIPTION = 2000;
export const MAX_SHORT = 200;

/** Strip control characters (ANSI escapes included; newlines/tabs become spaces), collapse spaces, truncate. */
export function oneLine(text: string | undefined, max = MAX_SHORT): string {
  if (!text) return "";
  // ANSI CSI/OSC sequences: drop the whole sequence, not just the ESC byte
  const noAnsi = text
    .slice(0, max * 4 + 1000)
    .replace(/\u001b\[[0-?]*[ -/]*[@-~]/g, "")
    .replace(/\u001b\][^\u0007\u001b]*(\u0007|\u001b\\)?/g, "")
    .replace(/\u009b[0-?]*[ -/]*[@-~]/g, "");
  const clean = sanitizeTerminal(noAnsi.replace(/[\r\n\t]+/g, " ")).replace(
    /[\u2028\u2029\u200b-\u200f\u202a-\u202e\u2066-\u2069]/g,
    "",
  );
  const collapsed = clean.replace(/ {2,}/g, " ").trim();
  return truncate(collapsed, max);
}

/** Like oneLine but keeps paragraph breaks (\n\n) for descriptions. */
export function paragraph(text: string | undefined, max = MAX_DESCRIPTION): string {
  if (!text) return "";
  const parts = text
    .slice(0, max * 2)
    .split(/\n\s*\n/)
    .map((p) => oneLine(p, max))
    .filter(Boolean);
  return truncate(parts.join("\n\n"), max);
}

export function truncate(s: string, max: number): string {
  if (s.length <= max) return s;
  return `${s.slice(0, Math.max(0, max - 1))}…`;
}

const HTML: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => HTML[c]!);
}

/** Escape for markdown text inside HTML blocks and tables: HTML-escape plus markdown punctuation and pipes. */
export function escapeMarkdown(s: string): string {
  return escapeHtml(s).replace(/([\\`*_[\]{}()#+!|~])/g, "\\$1");
}

/** Word-wrap at `width`, each line prefixed with `indent`. */
export function wrap(text: string, width: number, indent: string): string {
  const out: string[] = [];
  for (const para of text.split("\n\n")) {
    let line = "";
    for (const word of para.split(" ")) {
      if (line && line.length + 1 + word.length > width) {
        out.push(indent + line);
        line = word;
      } else line = line ? `${line} ${word}` : word;
    }
    if (line) out.push(indent + line);
    out.push("");
  }
  out.pop();
  return out.join("\n");
}

export const SEVERITY_LETTER: Record<DisplaySeverity, string> = {
  critical: "C",
  high: "H",
  medium: "M",
  low: "L",
  unspecified: "?",
};

/** `   2C     2H     0M     0L` (+ `     6?` when unspecified is non-zero), as Scout prints counts. */
export function countCells(c: SeverityCounts, showZeroUnspecified = false): string {
  const cells = (["critical", "high", "medium", "low"] as const).map((s) =>
    `${c[s]}${SEVERITY_LETTER[s]}`.padStart(5),
  );
  if (c.unspecified > 0 || showZeroUnspecified) cells.push(`${c.unspecified}?`.padStart(5));
  return cells.join("  ");
}

/** A link for an advisory id (CVE record, GitHub advisory, Go vuln db, OSV), falling back to the first reference. */
export function advisoryUrl(f: Pick<Finding, "id" | "references">): string | undefined {
  const id = f.id;
  if (/^CVE-\d{4}-\d+$/.test(id)) return `https://www.cve.org/CVERecord?id=${id}`;
  if (/^GHSA(-[0-9a-z]{4}){3}$/.test(id)) return `https://github.com/advisories/${id}`;
  if (/^GO-\d{4}-\d+$/.test(id)) return `https://pkg.go.dev/vuln/${id}`;
  if (/^(PYSEC|RUSTSEC|OSV)-[\w-]+$/.test(id)) return `https://osv.dev/vulnerability/${id}`;
  const ref = f.references.find((r) => /^https?:\/\/[^\s"'<>]+$/.test(r));
  return ref;
}

/** Short digest for display (12 hex chars after `sha256:`). */
export function shortDigest(d: string | undefined): string {
  if (!d) return "";
  return d.replace(/^sha256:/, "").slice(0, 12);
}

export function humanSize(bytes: number | undefined): string {
  if (bytes === undefined) return "";
  const units = ["B", "kB", "MB", "GB", "TB"];
  let v = bytes;
  let i = 0;
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  return `${i === 0 ? v : v.toFixed(v < 10 ? 1 : 0)} ${units[i]}`;
}

/** Safe URL for HTML/markdown attributes: only http(s), no quotes or spaces. */
export function safeUrl(u: string | undefined): string | undefined {
  if (!u || !/^https?:\/\/[^\s"'<>`\\]+$/.test(u) || u.length > 2000) return undefined;
  return u;
}
