/**
 * yarn.lock: classic v1 (yarn's own line format) and berry v2+ (YAML with `__metadata`).
 * One record per resolved name@version; the entry's descriptors are kept in metadata.
 */
import { parse as parseYaml } from "yaml";
import { type NpmRecord, validNpmName, validVersion } from "./model.js";
import type { LockParse } from "./package-lock.js";

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
  let lineNo = 0;
  let headerLine = 0;
  const flush = (): void => {
    if (header === undefined) return;
    const descriptors = header.split(",");
    const name = descriptorName(descriptors[0] ?? "");
    if (!name || !version || !validNpmName(name) || !validVersion(version)) {
      warnings.push(`entry at line ${headerLine} has no valid name and version; skipped`);
    } else if (!seen.has(`${name}@${version}`)) {
      seen.add(`${name}@${version}`);
      const rec: NpmRecord = { name, version };
      if (resolved) rec.metadata = { resolved: resolved.slice(0, 1024) };
      records.push(rec);
    }
    header = undefined;
    version = undefined;
    resolved = undefined;
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
    // Only the entry's own fields (two-space indent), not its `dependencies:` block.
    if (line.startsWith("  ") && line[2] !== " ") {
      const field = line.slice(2);
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
  let doc: unknown;
  try {
    doc = parseYaml(text, { maxAliasCount: 100 });
  } catch (e) {
    return {
      records: [],
      warnings: [`not valid YAML (${(e as Error).message.split("\n")[0]?.slice(0, 120)})`],
    };
  }
  if (!doc || typeof doc !== "object" || Array.isArray(doc))
    return { records: [], warnings: ["not a YAML mapping"] };
  const records: NpmRecord[] = [];
  const seen = new Set<string>();
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
    if (seen.has(`${name}@${version}`)) continue;
    seen.add(`${name}@${version}`);
    const rec: NpmRecord = { name, version };
    if (resolution) rec.metadata = { resolution: resolution.slice(0, 1024) };
    records.push(rec);
  }
  return { records, warnings };
}
