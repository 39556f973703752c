/**
 * npm package records shared by the npm parsers, and the Package they become.
 */

import type { Package } from "../../sbom/model.js";
import { buildPurl } from "../../sbom/purl.js";
import type { FileRef } from "../types.js";

/** One package as a parser saw it, before it becomes a Package. */
export interface NpmRecord {
  /** Full npm name, scope included ("@babel/core", "lodash"). */
  name: string;
  version: string;
  licenses?: string[];
  /** Where the package is installed ("/app/node_modules/a"), or the lockfile entry path when known. */
  installPath?: string;
  dev?: boolean;
  /** Lockfile descriptors resolving to this record ("a@^1.0.0") and the descriptors it requires (yarn). */
  descriptors?: string[];
  requires?: string[];
  /** Extra facts copied into Package.metadata (resolved URL, integrity …). */
  metadata?: Record<string, string>;
}

const MAX_NAME = 214;
const MAX_VERSION = 256;

/** npm's own name rule (length, no whitespace or control characters, scope shape). Hostile strings fail here. */
export function validNpmName(name: string): boolean {
  if (name.length === 0 || name.length > MAX_NAME) return false;
  if (/[\s\u0000-\u001f\u007f-\u009f]/.test(name)) return false;
  if (name.startsWith("@")) {
    const slash = name.indexOf("/");
    return slash > 1 && slash < name.length - 1 && name.indexOf("/", slash + 1) === -1;
  }
  return !name.includes("/") && !name.startsWith(".") && !name.startsWith("_");
}

export function validVersion(version: string): boolean {
  return (
    version.length > 0 && version.length <= MAX_VERSION && !/[\s\u0000-\u001f\u007f-\u009f]/.test(version)
  );
}

/** Split "@scope/name" into purl namespace ("@scope") and name. */
export function splitScope(full: string): { namespace?: string; name: string } {
  if (full.startsWith("@")) {
    const slash = full.indexOf("/");
    return { namespace: full.slice(0, slash), name: full.slice(slash + 1) };
  }
  return { name: full };
}

/** Licence strings from package.json `license` / `licenses` (string, {type}, or an array of either). */
export function npmLicenses(license: unknown, licenses: unknown): string[] | undefined {
  const out: string[] = [];
  const take = (v: unknown): void => {
    if (typeof v === "string") {
      const s = v.trim();
      if (s && s.length <= 512) out.push(s);
    } else if (v && typeof v === "object" && !Array.isArray(v)) {
      const t = (v as { type?: unknown }).type;
      if (typeof t === "string") take(t);
    }
  };
  take(license);
  if (Array.isArray(license)) for (const l of license.slice(0, 32)) take(l);
  if (out.length === 0 && Array.isArray(licenses)) for (const l of licenses.slice(0, 32)) take(l);
  else if (out.length === 0) take(licenses);
  return out.length > 0 ? [...new Set(out)] : undefined;
}

/** The Package for a record; `where` makes the id unique (install path, or lockfile path + entry). */
export function toPackage(rec: NpmRecord, file: FileRef, where: string, foundBy: string): Package {
  const { namespace, name } = splitScope(rec.name);
  const metadata: Record<string, string> = { ...rec.metadata };
  if (rec.installPath) metadata.installPath = rec.installPath;
  const pkg: Package = {
    id: `npm:${rec.name}@${rec.version}:${where}`,
    type: "npm",
    name,
    version: rec.version,
    purl: buildPurl({ type: "npm", namespace, name, version: rec.version }),
    locations: [
      file.layerIndex >= 0 ? { path: file.path, layerIndex: file.layerIndex } : { path: file.path },
    ],
    foundBy,
  };
  if (file.layerIndex >= 0) pkg.layerIndex = file.layerIndex;
  // Package.namespace is the scope without "@" (the shared model's convention, as SBOM import does);
  // the purl keeps the purl spec's "@scope" namespace.
  if (namespace) pkg.namespace = namespace.slice(1);
  if (rec.licenses) pkg.licenses = rec.licenses;
  if (Object.keys(metadata).length > 0) pkg.metadata = metadata;
  return pkg;
}
