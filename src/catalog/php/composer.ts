/**
 * Composer's installed.json (Composer 1: a JSON array; Composer 2: `{packages: [...], dev,
 * "dev-package-names": [...]}`) and composer.lock (`packages`, `packages-dev`). Pure parsing.
 */
import { readJson, readJsonObject } from "../json-doc.js";

export interface ComposerRecord {
  /** "vendor/name", lower case as Composer requires. */
  name: string;
  version: string;
  licenses?: string[];
  dev: boolean;
  metadata: Record<string, string>;
}

const BAD = /[\s\u0000-\u001f\u007f-\u009f]/;

function record(raw: unknown, dev: boolean, warnings: string[], index: number): ComposerRecord | undefined {
  if (!raw || typeof raw !== "object" || Array.isArray(raw)) {
    warnings.push(`package #${index} is not an object; skipped`);
    return undefined;
  }
  const o = raw as Record<string, unknown>;
  const name = o.name;
  const version = o.version;
  if (typeof name !== "string" || typeof version !== "string" || !name || !version) {
    warnings.push(`package #${index} has no name and version; skipped`);
    return undefined;
  }
  const slash = name.indexOf("/");
  if (
    slash <= 0 ||
    slash === name.length - 1 ||
    name.length > 256 ||
    version.length > 128 ||
    BAD.test(name) ||
    BAD.test(version)
  ) {
    warnings.push(`package #${index} has an invalid name or version; skipped`);
    return undefined;
  }
  const rec: ComposerRecord = { name, version, dev, metadata: {} };
  if (Array.isArray(o.license)) {
    const l = o.license
      .filter((x): x is string => typeof x === "string" && x.length > 0 && x.length <= 256)
      .slice(0, 32);
    if (l.length) rec.licenses = l;
  } else if (typeof o.license === "string" && o.license) {
    rec.licenses = [o.license.slice(0, 256)];
  }
  if (typeof o.version_normalized === "string")
    rec.metadata.versionNormalized = o.version_normalized.slice(0, 128);
  if (typeof o["install-path"] === "string")
    rec.metadata.installPath = (o["install-path"] as string).slice(0, 1024);
  const src = o.source as { reference?: unknown } | undefined;
  if (src && typeof src.reference === "string") rec.metadata.sourceReference = src.reference.slice(0, 128);
  if (dev) rec.metadata.dev = "true";
  return rec;
}

export function parseInstalledJson(text: string): { records: ComposerRecord[]; warnings: string[] } {
  const warnings: string[] = [];
  const read = readJson(text);
  if (!read.ok) return { records: [], warnings: [read.problem] };
  const doc = read.doc;
  let list: unknown[];
  let devNames = new Set<string>();
  if (Array.isArray(doc)) list = doc;
  else if (doc && typeof doc === "object" && Array.isArray((doc as { packages?: unknown }).packages)) {
    list = (doc as { packages: unknown[] }).packages;
    const dn = (doc as { "dev-package-names"?: unknown })["dev-package-names"];
    if (Array.isArray(dn)) devNames = new Set(dn.filter((x): x is string => typeof x === "string"));
  } else return { records: [], warnings: ["neither a package array nor {packages: [...]}"] };
  const records: ComposerRecord[] = [];
  list.forEach((raw, i) => {
    const name = raw && typeof raw === "object" ? (raw as { name?: unknown }).name : undefined;
    const r = record(raw, typeof name === "string" && devNames.has(name), warnings, i);
    if (r) records.push(r);
  });
  return { records, warnings };
}

export function parseComposerLock(text: string): { records: ComposerRecord[]; warnings: string[] } {
  const warnings: string[] = [];
  const read = readJsonObject(text);
  if (!read.ok) return { records: [], warnings: [read.problem] };
  const doc = read.doc;
  const o = doc;
  const records: ComposerRecord[] = [];
  const take = (list: unknown, dev: boolean): void => {
    if (!Array.isArray(list)) return;
    list.forEach((raw, i) => {
      const r = record(raw, dev, warnings, i);
      if (r) records.push(r);
    });
  };
  take(o.packages, false);
  take(o["packages-dev"], true);
  return { records, warnings };
}
