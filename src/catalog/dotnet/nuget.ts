/**
 * .NET evidence, parsed purely: `*.deps.json` (written by the SDK next to a built/published app: the
 * `libraries` map "Name/Version" → {type}) and NuGet's `packages.lock.json` (per target framework:
 * name → {type: Direct|Transitive|CentralTransitive|Project, resolved}).
 */
import { readJson, readJsonObject } from "../json-doc.js";

export interface NugetRecord {
  name: string;
  version: string;
  metadata: Record<string, string>;
}

const CONTROL = /[\s\u0000-\u001f\u007f-\u009f]/;

function valid(name: string, version: string): boolean {
  return (
    name.length > 0 &&
    version.length > 0 &&
    name.length <= 256 &&
    version.length <= 128 &&
    !CONTROL.test(name) &&
    !CONTROL.test(version)
  );
}

const RUNTIMEPACK = "runtimepack.";

/**
 * deps.json libraries of type "package" (NuGet packages the app carries) and "runtimepack" (the .NET
 * runtime a self-contained app bundles, itself the NuGet package Microsoft.NETCore.App.Runtime.<rid>).
 * "project" (the app and its own projects) and "referenceassembly" (framework facades) are not packages.
 */
export function parseDepsJson(text: string): { records: NugetRecord[]; warnings: string[] } {
  const warnings: string[] = [];
  const read = readJsonObject(text);
  if (!read.ok) return { records: [], warnings: [read.problem] };
  const doc = read.doc;
  const libs = (doc as { libraries?: unknown }).libraries;
  if (!libs || typeof libs !== "object" || Array.isArray(libs))
    return { records: [], warnings: ["no libraries map"] };
  const records: NugetRecord[] = [];
  for (const [key, value] of Object.entries(libs as Record<string, unknown>)) {
    const type = value && typeof value === "object" ? (value as { type?: unknown }).type : undefined;
    const t = typeof type === "string" ? type.toLowerCase() : "";
    if (t !== "package" && t !== "runtimepack") continue;
    const slash = key.lastIndexOf("/");
    let name = slash > 0 ? key.slice(0, slash) : "";
    const version = slash > 0 ? key.slice(slash + 1) : "";
    if (t === "runtimepack" && name.startsWith(RUNTIMEPACK)) name = name.slice(RUNTIMEPACK.length);
    if (!valid(name, version)) {
      warnings.push(`library ${JSON.stringify(key.slice(0, 200))} is not "Name/Version"; skipped`);
      continue;
    }
    const rec: NugetRecord = { name, version, metadata: { libraryType: t } };
    const v = value as { sha512?: unknown; path?: unknown };
    if (typeof v.sha512 === "string") rec.metadata.sha512 = v.sha512.slice(0, 200);
    records.push(rec);
  }
  return { records, warnings };
}

/** packages.lock.json: every resolved non-project dependency, once per name@version across frameworks. */
export function parsePackagesLock(text: string): { records: NugetRecord[]; warnings: string[] } {
  const warnings: string[] = [];
  const read = readJson(text);
  if (!read.ok) return { records: [], warnings: [read.problem] };
  const doc = read.doc;
  const deps = doc && typeof doc === "object" ? (doc as { dependencies?: unknown }).dependencies : undefined;
  if (!deps || typeof deps !== "object" || Array.isArray(deps))
    return { records: [], warnings: ["no dependencies map"] };
  const records: NugetRecord[] = [];
  const seen = new Set<string>();
  for (const [framework, entries] of Object.entries(deps as Record<string, unknown>)) {
    if (!entries || typeof entries !== "object" || Array.isArray(entries)) continue;
    for (const [name, value] of Object.entries(entries as Record<string, unknown>)) {
      if (!value || typeof value !== "object") continue;
      const e = value as { type?: unknown; resolved?: unknown };
      if (typeof e.type === "string" && e.type.toLowerCase() === "project") continue;
      const version = typeof e.resolved === "string" ? e.resolved : "";
      if (!valid(name, version)) {
        warnings.push(
          `dependency ${JSON.stringify(name.slice(0, 200))} (${framework.slice(0, 64)}) has no valid resolved version; skipped`,
        );
        continue;
      }
      // NuGet ids are case-insensitive
      const key = `${name.toLowerCase()}@${version}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const md: Record<string, string> = { framework: framework.slice(0, 128) };
      if (typeof e.type === "string") md.dependencyType = e.type.slice(0, 32);
      records.push({ name, version, metadata: md });
    }
  }
  return { records, warnings };
}
