/**
 * npm lockfiles (package-lock.json / npm-shrinkwrap.json), versions 1 (nested `dependencies`), 2 (both)
 * and 3 (`packages` keyed by install path).
 */
import { readJsonObject } from "../json-doc.js";
import { type NpmRecord, validNpmName, validVersion } from "./model.js";

export interface LockParse {
  records: NpmRecord[];
  warnings: string[];
}

const NM = "node_modules/";
const MAX_DEPTH = 256;

export function parsePackageLock(text: string): LockParse {
  const warnings: string[] = [];
  const read = readJsonObject(text);
  if (!read.ok) return { records: [], warnings: [read.problem] };
  const doc = read.doc;
  const o = doc;
  if (o.packages && typeof o.packages === "object" && !Array.isArray(o.packages)) {
    return { records: fromPackages(o.packages as Record<string, unknown>, warnings), warnings };
  }
  // npm 7 and later (lockfileVersion 2 and 3) keep the whole tree in `packages`, with a "" entry even for a
  // project without dependencies; a v2+ file without it has lost what it is read for. npm 5 and 6
  // (version 1) leave `dependencies` out when there are none: that file is simply empty. A shrinkwrap of
  // npm 4 or older has no lockfileVersion, only `dependencies`.
  const lockfileVersion = typeof o.lockfileVersion === "number" ? o.lockfileVersion : undefined;
  const hasDependencies =
    !!o.dependencies && typeof o.dependencies === "object" && !Array.isArray(o.dependencies);
  if (lockfileVersion !== undefined && lockfileVersion >= 2)
    warnings.push(`lockfileVersion ${lockfileVersion} without a "packages" object; read from "dependencies"`);
  else if (lockfileVersion === undefined && !hasDependencies)
    warnings.push('no "lockfileVersion", "packages" or "dependencies": nothing read');
  if (hasDependencies) {
    const records: NpmRecord[] = [];
    fromDependencies(o.dependencies as Record<string, unknown>, "", records, warnings, 0);
    return { records, warnings };
  }
  return { records: [], warnings };
}

/** v2/v3: `packages["node_modules/a/node_modules/b"]`. */
function fromPackages(packages: Record<string, unknown>, warnings: string[]): NpmRecord[] {
  const out: NpmRecord[] = [];
  for (const [key, value] of Object.entries(packages)) {
    if (key === "" || !value || typeof value !== "object") continue;
    const e = value as Record<string, unknown>;
    if (e.link === true) continue; // a symlink to a workspace folder: that folder is the package
    const nm = key.lastIndexOf(NM);
    if (nm < 0) continue; // a workspace folder itself, not an installed dependency
    const dirName = key.slice(nm + NM.length);
    const name = typeof e.name === "string" ? e.name : dirName;
    const version = typeof e.version === "string" ? e.version : undefined;
    if (!version) {
      warnings.push(`entry ${clip(key)} has no version; skipped`);
      continue;
    }
    if (!validNpmName(name) || !validVersion(version)) {
      warnings.push(`entry ${clip(key)} has an invalid name or version; skipped`);
      continue;
    }
    const rec: NpmRecord = { name, version, installPath: key, dev: e.dev === true || e.devOptional === true };
    const md: Record<string, string> = {};
    if (typeof e.resolved === "string") md.resolved = e.resolved.slice(0, 1024);
    if (typeof e.integrity === "string") md.integrity = e.integrity.slice(0, 256);
    if (dirName !== name) md.installedAs = dirName;
    if (Object.keys(md).length) rec.metadata = md;
    if (typeof e.license === "string" && e.license) rec.licenses = [e.license.slice(0, 512)];
    out.push(rec);
  }
  return out;
}

/** v1: nested `dependencies`; an alias's version is "npm:real-name@1.2.3". */
function fromDependencies(
  deps: Record<string, unknown>,
  prefix: string,
  out: NpmRecord[],
  warnings: string[],
  depth: number,
): void {
  if (depth > MAX_DEPTH) {
    warnings.push("dependency tree deeper than 256 levels; truncated");
    return;
  }
  for (const [key, value] of Object.entries(deps)) {
    if (!value || typeof value !== "object") continue;
    const e = value as Record<string, unknown>;
    const path = `${prefix}${NM}${key}`;
    let name = key;
    let version = typeof e.version === "string" ? e.version : undefined;
    if (version?.startsWith("npm:")) {
      const spec = version.slice(4);
      const at = spec.lastIndexOf("@");
      if (at > 0) {
        name = spec.slice(0, at);
        version = spec.slice(at + 1);
      }
    }
    if (!version || !validNpmName(name) || !validVersion(version)) {
      warnings.push(`entry ${clip(path)} has no valid name and version; skipped`);
    } else {
      const rec: NpmRecord = { name, version, installPath: path, dev: e.dev === true };
      const md: Record<string, string> = {};
      if (typeof e.resolved === "string") md.resolved = e.resolved.slice(0, 1024);
      if (typeof e.integrity === "string") md.integrity = e.integrity.slice(0, 256);
      if (name !== key) md.installedAs = key;
      if (Object.keys(md).length) rec.metadata = md;
      out.push(rec);
    }
    if (e.dependencies && typeof e.dependencies === "object" && !Array.isArray(e.dependencies)) {
      fromDependencies(e.dependencies as Record<string, unknown>, `${path}/`, out, warnings, depth + 1);
    }
  }
}

function clip(s: string): string {
  return JSON.stringify(s.length > 200 ? `${s.slice(0, 200)}…` : s);
}
