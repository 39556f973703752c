/**
 * yarn.lock: classic v1 (yarn's own line format) and berry v2+ (YAML with `__metadata`).
 * One record per resolved name@version; the entry's descriptors are kept in metadata.
 */
import { type NpmRecord, validNpmName, validVersion } from "./model.js";
import type { LockParse } from "./package-lock.js";
import { yamlMapping } from "./yaml-doc.js";

export function parseYarnLock(text: string): LockParse {
  if (text.includes("\n__metadata:") || text.startsWith("__metadata:")) return parseBerry(text);
  return parseClassic(text);
}

/** Name part of a descriptor: "@s/a@^1" → "@s/a", "a@npm:b@^2" → "b" (alias), "a@^1" → "a". */
export function descriptorName(descriptor: string): string | undefined {
  const d = unquote(descriptor.trim());
  const at = d.indexOf("@", 1);
  if (at < 0) return undefined;
  const name = d.slice(0, at);
  const range = d.slice(at + 1);
  if (range.startsWith("npm:")) {
    const spec = range.slice(4);
    const at2 = spec.indexOf("@", 1);
    // "npm:^1.2.3" is berry's plain range; "npm:other@^1" is an alias
    if (at2 > 0 && !/^[\^~<>=\d*]/.test(spec)) return spec.slice(0, at2);
  }
  return name;
}

function unquote(s: string): string {
  return s.length >= 2 && s.startsWith('"') && s.endsWith('"') ? s.slice(1, -1) : s;
}

function parseClassic(text: string): LockParse {
  const records: NpmRecord[] = [];
  const warnings: string[] = [];
  const seen = new Set<string>();
  let header: string | undefined;
  let version: string | undefined;
  let resolved: string | undefined;
  let requires: string[] = [];
  let inDeps = false;
  const byKey = new Map<string, NpmRecord>();
  let lineNo = 0;
  let headerLine = 0;
  const flush = (): void => {
    if (header === undefined) return;
    const descriptors = header.split(",");
    const name = descriptorName(descriptors[0] ?? "");
    if (!name || !version || !validNpmName(name) || !validVersion(version)) {
      warnings.push(`entry at line ${headerLine} has no valid name and version; skipped`);
    } else {
      const key = `${name}@${version}`;
      const descs = descriptors.map((d) => unquote(d.trim()));
      const prev = byKey.get(key);
      if (prev) {
        prev.descriptors?.push(...descs);
        prev.requires?.push(...requires);
      } else {
        seen.add(key);
        const rec: NpmRecord = { name, version, descriptors: descs, requires };
        if (resolved) rec.metadata = { resolved: resolved.slice(0, 1024) };
        byKey.set(key, rec);
        records.push(rec);
      }
    }
    header = undefined;
    version = undefined;
    resolved = undefined;
    requires = [];
    inDeps = false;
  };
  for (const raw of text.split("\n")) {
    lineNo++;
    const line = raw.endsWith("\r") ? raw.slice(0, -1) : raw;
    if (line === "" || line.startsWith("#")) continue;
    if (line[0] !== " ") {
      flush();
      if (line.endsWith(":")) {
        header = line.slice(0, -1);
        headerLine = lineNo;
      } else {
        warnings.push(`unexpected line ${lineNo}; ignored`);
      }
      continue;
    }
    if (header === undefined) continue;
    // The entry's own fields (two-space indent); its `dependencies:` block (four spaces) names what it requires.
    if (line.startsWith("    ") && line[4] !== " ") {
      if (!inDeps) continue;
      const dep = line.slice(4);
      const sp = dep.lastIndexOf(" ");
      if (sp > 0) requires.push(`${unquote(dep.slice(0, sp).trim())}@${unquote(dep.slice(sp + 1).trim())}`);
      continue;
    }
    if (line.startsWith("  ") && line[2] !== " ") {
      const field = line.slice(2);
      if (field.endsWith(":")) {
        inDeps = field === "dependencies:" || field === "optionalDependencies:";
        continue;
      }
      inDeps = false;
      const sp = field.indexOf(" ");
      if (sp < 0) continue;
      const key = field.slice(0, sp);
      const value = unquote(field.slice(sp + 1).trim());
      if (key === "version") version = value;
      else if (key === "resolved") resolved = value;
    }
  }
  flush();
  return { records, warnings };
}

function parseBerry(text: string): LockParse {
  const warnings: string[] = [];
  const parsed = yamlMapping(text);
  if ("warning" in parsed) return { records: [], warnings: [parsed.warning] };
  const doc = parsed.doc;
  const records: NpmRecord[] = [];
  const byKey = new Map<string, NpmRecord>();
  for (const [key, value] of Object.entries(doc as Record<string, unknown>)) {
    if (key === "__metadata" || !value || typeof value !== "object") continue;
    const e = value as Record<string, unknown>;
    const resolution = typeof e.resolution === "string" ? e.resolution : "";
    const version =
      typeof e.version === "string" ? e.version : typeof e.version === "number" ? String(e.version) : "";
    // Workspaces, links and portals are the project's own folders; patch: entries duplicate the npm: one.
    if (
      e.linkType === "soft" ||
      resolution.includes("@workspace:") ||
      resolution.includes("@patch:") ||
      resolution.includes("@link:") ||
      resolution.includes("@portal:") ||
      version === "0.0.0-use.local"
    ) {
      continue;
    }
    const at = resolution.indexOf("@", 1);
    const name = at > 0 ? resolution.slice(0, at) : descriptorName(key.split(",")[0] ?? "");
    if (!name || !version || !validNpmName(name) || !validVersion(version)) {
      warnings.push(`entry ${JSON.stringify(key.slice(0, 200))} has no valid name and version; skipped`);
      continue;
    }
    const descs = key.split(",").map((d) => unquote(d.trim()));
    const reqs: string[] = [];
    for (const field of ["dependencies", "optionalDependencies"]) {
      const deps = e[field];
      if (deps && typeof deps === "object" && !Array.isArray(deps)) {
        for (const [n, r] of Object.entries(deps as Record<string, unknown>)) {
          if (typeof r === "string") reqs.push(`${n}@${r}`);
        }
      }
    }
    const prev = byKey.get(`${name}@${version}`);
    if (prev) {
      prev.descriptors?.push(...descs);
      prev.requires?.push(...reqs);
      continue;
    }
    const rec: NpmRecord = { name, version, descriptors: descs, requires: reqs };
    if (resolution) rec.metadata = { resolution: resolution.slice(0, 1024) };
    byKey.set(`${name}@${version}`, rec);
    records.push(rec);
  }
  return { records, warnings };
}

/**
 * The records a production install needs: those reachable from the project manifest's `dependencies`
 * and `optionalDependencies` (not `devDependencies`) through the lockfile's descriptors. Returns
 * undefined when the manifest is unusable (then every record is kept).
 */
export function yarnProductionSubset(records: NpmRecord[], manifestText: string): NpmRecord[] | undefined {
  let manifest: unknown;
  try {
    manifest = JSON.parse(manifestText.replace(/^\uFEFF/, ""));
  } catch {
    return undefined;
  }
  if (!manifest || typeof manifest !== "object" || Array.isArray(manifest)) return undefined;
  const byDescriptor = new Map<string, NpmRecord>();
  for (const r of records) for (const d of r.descriptors ?? []) byDescriptor.set(d, r);
  const lookup = (d: string): NpmRecord | undefined => {
    const hit = byDescriptor.get(d);
    if (hit) return hit;
    // berry spells a bare semver range with the default protocol: "a@^1" is "a@npm:^1"
    const at = d.indexOf("@", 1);
    return at > 0 ? byDescriptor.get(`${d.slice(0, at)}@npm:${d.slice(at + 1)}`) : undefined;
  };
  const queue: NpmRecord[] = [];
  const keep = new Set<NpmRecord>();
  const m = manifest as Record<string, unknown>;
  for (const field of ["dependencies", "optionalDependencies"]) {
    const deps = m[field];
    if (!deps || typeof deps !== "object" || Array.isArray(deps)) continue;
    for (const [n, r] of Object.entries(deps as Record<string, unknown>)) {
      const hit = typeof r === "string" ? lookup(`${n}@${r}`) : undefined;
      if (hit && !keep.has(hit)) {
        keep.add(hit);
        queue.push(hit);
      }
    }
  }
  for (let i = 0; i < queue.length; i++) {
    for (const d of queue[i]?.requires ?? []) {
      const hit = lookup(d);
      if (hit && !keep.has(hit)) {
        keep.add(hit);
        queue.push(hit);
      }
    }
  }
  return records.filter((r) => keep.has(r));
}
