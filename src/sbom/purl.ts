/**
 * Package URL helpers: every cataloger builds its purl here so that qualifier handling (empty values
 * dropped, sorted, percent-encoded by packageurl-js) is the same everywhere.
 */
import type { PackageURL } from "packageurl-js";
import { lazyModule } from "../core/lazy.js";
import type { Distro } from "./model.js";

/** packageurl-js, loaded on first use (a cached run that prints no purl never needs it). */
const purlLib = lazyModule<typeof import("packageurl-js")>("packageurl-js");

export interface PurlParts {
  type: string;
  namespace?: string;
  name: string;
  version?: string;
  /** Qualifiers; undefined or empty values are left out. */
  qualifiers?: Record<string, string | undefined>;
  subpath?: string;
}

/** Build a canonical purl string. Throws only on an empty type or name (a programming error). */
export function buildPurl(parts: PurlParts): string {
  let qualifiers: Record<string, string> | undefined;
  if (parts.qualifiers) {
    for (const [k, v] of Object.entries(parts.qualifiers)) {
      if (v === undefined || v === "") continue;
      qualifiers ??= {};
      qualifiers[k] = v;
    }
  }
  return new (purlLib().PackageURL)(
    parts.type,
    parts.namespace || undefined,
    parts.name,
    parts.version || undefined,
    qualifiers,
    parts.subpath || undefined,
  ).toString();
}

/**
 * The `distro` qualifier for an OS package: `<id>-<versionId>` (debian-12, alpine-3.18.4), or the id
 * alone (or `<id>-<codename>`) for a rolling release without VERSION_ID.
 */
export function distroQualifier(distro: Distro | undefined): string | undefined {
  if (!distro?.id) return undefined;
  if (distro.versionId) return `${distro.id}-${distro.versionId}`;
  if (distro.codename) return `${distro.id}-${distro.codename}`;
  return distro.id;
}

/** Parse a purl string; undefined when it is not a valid purl. */
export function parsePurl(purl: string): PackageURL | undefined {
  try {
    return purlLib().PackageURL.fromString(purl);
  } catch {
    return undefined;
  }
}
