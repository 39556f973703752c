/**
 * pnpm-lock.yaml, lockfile versions 5.x ("/name/1.2.3_peer"), 6.x ("/name@1.2.3(peer@1)") and 9.x
 * ("name@1.2.3" in `packages`, peers in `snapshots`).
 */
import { type NpmRecord, validNpmName, validVersion } from "./model.js";
import type { LockParse } from "./package-lock.js";
import { yamlMapping } from "./yaml-doc.js";

/** Name and version from a `packages` key of any lockfile version. */
export function pnpmKey(key: string, lockVersion: number): { name: string; version: string } | undefined {
  let k = key;
  // v5 keys may carry the registry host: "registry.npmjs.org/name/1.0.0"
  if (!k.startsWith("/") && !k.startsWith("@") && lockVersion < 6) {
    const slash = k.indexOf("/");
    if (slash > 0 && k.slice(0, slash).includes(".")) k = k.slice(slash);
  }
  if (k.startsWith("/")) k = k.slice(1);
  const paren = k.indexOf("(");
  if (paren > 0) k = k.slice(0, paren);
  if (lockVersion < 6) {
    const nameEnd = k.startsWith("@") ? k.indexOf("/", k.indexOf("/") + 1) : k.indexOf("/");
    if (nameEnd <= 0) return undefined;
    let version = k.slice(nameEnd + 1);
    const underscore = version.indexOf("_");
    if (underscore > 0) version = version.slice(0, underscore);
    return { name: k.slice(0, nameEnd), version };
  }
  const at = k.indexOf("@", 1);
  if (at < 0) return undefined;
  return { name: k.slice(0, at), version: k.slice(at + 1) };
}

export function parsePnpmLock(text: string): LockParse {
  const warnings: string[] = [];
  const parsed = yamlMapping(text);
  if ("warning" in parsed) return { records: [], warnings: [parsed.warning] };
  const doc = parsed.doc;
  const o = doc;
  const lockVersion = Number.parseFloat(String(o.lockfileVersion ?? "5"));
  const packages = o.packages;
  if (!packages || typeof packages !== "object" || Array.isArray(packages)) return { records: [], warnings };
  const records: NpmRecord[] = [];
  const seen = new Set<string>();
  for (const [key, value] of Object.entries(packages as Record<string, unknown>)) {
    const e = value && typeof value === "object" ? (value as Record<string, unknown>) : {};
    const fromKey = pnpmKey(key, Number.isFinite(lockVersion) ? lockVersion : 5);
    // Tarball and git dependencies carry their own name/version fields.
    const name = typeof e.name === "string" ? e.name : fromKey?.name;
    const version = typeof e.version === "string" ? e.version : fromKey?.version;
    if (!name || !version || !validNpmName(name) || !validVersion(version)) {
      warnings.push(`entry ${JSON.stringify(key.slice(0, 200))} has no valid name and version; skipped`);
      continue;
    }
    if (seen.has(`${name}@${version}`)) continue;
    seen.add(`${name}@${version}`);
    const rec: NpmRecord = { name, version, dev: e.dev === true };
    const res = e.resolution;
    if (res && typeof res === "object" && typeof (res as { tarball?: unknown }).tarball === "string") {
      rec.metadata = { resolved: String((res as { tarball: string }).tarball).slice(0, 1024) };
    }
    records.push(rec);
  }
  if (lockVersion >= 9) markV9Dev(o, records);
  return { records, warnings };
}

function asMap(v: unknown): Record<string, unknown> | undefined {
  return v && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
}

/** "1.2.3(react@18.0.0)" → "1.2.3". */
function stripPeers(v: string): string {
  const paren = v.indexOf("(");
  return paren > 0 ? v.slice(0, paren) : v;
}

/**
 * pnpm 9 dropped the per-package `dev` flag: walk from every importer's `dependencies` and
 * `optionalDependencies` through `snapshots` and mark everything not reached as dev. Leaves the records
 * unmarked when the lockfile has no importers or snapshots to walk.
 */
function markV9Dev(o: Record<string, unknown>, records: NpmRecord[]): void {
  const importers = asMap(o.importers);
  const snapshots = asMap(o.snapshots);
  if (!importers || !snapshots) return;
  const reached = new Set<string>(); // snapshot keys
  const queue: string[] = [];
  const visit = (name: string, version: unknown): void => {
    if (typeof version !== "string" || version.startsWith("link:")) return;
    const key = `${name}@${version}`;
    if (reached.has(key) || !(key in snapshots)) return;
    reached.add(key);
    queue.push(key);
  };
  for (const imp of Object.values(importers)) {
    const m = asMap(imp);
    for (const field of ["dependencies", "optionalDependencies"]) {
      for (const [name, spec] of Object.entries(asMap(m?.[field]) ?? {})) visit(name, asMap(spec)?.version);
    }
  }
  for (let i = 0; i < queue.length; i++) {
    const snap = asMap(snapshots[queue[i] as string]);
    for (const field of ["dependencies", "optionalDependencies"]) {
      for (const [name, version] of Object.entries(asMap(snap?.[field]) ?? {})) visit(name, version);
    }
  }
  const prod = new Set<string>();
  for (const key of reached) {
    const at = key.indexOf("@", 1);
    if (at > 0) prod.add(`${key.slice(0, at)}@${stripPeers(key.slice(at + 1))}`);
  }
  for (const r of records) r.dev = !prod.has(`${r.name}@${r.version}`);
}
