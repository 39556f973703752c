/**
 * License strings in the model are whatever the package metadata said ("MIT", "GPL-2+",
 * "Apache-2.0 OR MIT", "BSD-like"). SBOM formats want SPDX identifiers or expressions; this module
 * classifies each string so that the CycloneDX and SPDX writers agree.
 */
import { fixupSpdxId } from "@cyclonedx/cyclonedx-library/SPDX";

export type LicenseClass =
  | { kind: "id"; id: string }
  | { kind: "expression"; expression: string }
  | { kind: "name"; name: string };

const OPERATORS = new Set(["AND", "OR", "WITH"]);

/**
 * Normalise a simple SPDX expression (ids joined by AND/OR, parentheses; `WITH` exceptions are kept only
 * when the whole expression otherwise checks out). Returns undefined when a token is not a known id.
 */
function normaliseExpression(text: string): string | undefined {
  const tokens = text
    .replace(/[()]/g, (p) => ` ${p} `)
    .split(/\s+/)
    .filter(Boolean);
  if (tokens.length < 3) return undefined;
  const out: string[] = [];
  let afterWith = false;
  let depth = 0;
  for (const tok of tokens) {
    if (tok === "(" || tok === ")") {
      depth += tok === "(" ? 1 : -1;
      if (depth < 0) return undefined;
      out.push(tok);
      continue;
    }
    const upper = tok.toUpperCase();
    if (OPERATORS.has(upper)) {
      out.push(upper);
      afterWith = upper === "WITH";
      continue;
    }
    if (afterWith) {
      if (!/^[A-Za-z0-9.-]+$/.test(tok)) return undefined;
      out.push(tok);
      afterWith = false;
      continue;
    }
    const id = fixupSpdxId(tok.replace(/\+$/, ""));
    if (!id) return undefined;
    out.push(tok.endsWith("+") ? `${id}+` : id);
  }
  if (depth !== 0) return undefined;
  return out.join(" ").replace(/\( /g, "(").replace(/ \)/g, ")");
}

/** Classify one license string from the model. */
export function classifyLicense(text: string): LicenseClass {
  const trimmed = text.trim();
  const id = fixupSpdxId(trimmed);
  if (id) return { kind: "id", id };
  const expression = normaliseExpression(trimmed);
  if (expression) return { kind: "expression", expression };
  return { kind: "name", name: trimmed };
}

/** `LicenseRef-` identifier for a license that is not on the SPDX list (idstring: letters, digits, `.`, `-`). */
export function licenseRefId(name: string): string {
  const slug = name
    .replace(/\+/g, "-plus")
    .replace(/[^A-Za-z0-9.-]+/g, "-")
    .replace(/^-+|-+$/g, "");
  return `LicenseRef-${slug || "unknown"}`;
}

/** Unique, non-empty license strings of a package, in their given order. */
export function distinctLicenses(licenses: readonly string[] | undefined): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const l of licenses ?? []) {
    const t = l.trim();
    if (t && !seen.has(t)) {
      seen.add(t);
      out.push(t);
    }
  }
  return out;
}
