/**
 * Which advisory namespace and lookup key a package is matched under (the other half of the convention in
 * advisory/types.ts and advisory/namespaces.ts).
 */
import { DEBIAN_CODENAMES, normalizePackageName } from "../advisory/namespaces.js";
import type { Distro, Package } from "../sbom/model.js";

export { normalizePackageName };

export const OS_TYPES: ReadonlySet<string> = new Set(["deb", "apk", "rpm"]);

const LANGUAGE_TYPES: ReadonlySet<string> = new Set([
  "npm",
  "pypi",
  "maven",
  "golang",
  "cargo",
  "gem",
  "composer",
  "nuget",
]);

/**
 * Candidate namespaces for a distro release, most specific first: `debian:12`, `ubuntu:22.04`,
 * `alpine:3.18` (major.minor; `alpine:edge` for pre-releases), `rhel:8` (major), `amzn:2023`, `sles:15.5`,
 * `wolfi`. The matcher uses the first one the snapshot has.
 */
export function distroNamespaces(distro: Distro | undefined): string[] {
  if (!distro?.id) return [];
  const id = distro.id.toLowerCase();
  const v = (distro.versionId ?? "").trim();
  const major = v.split(".")[0] ?? "";
  const majorMinor = v.split(".").slice(0, 2).join(".");
  switch (id) {
    case "debian": {
      if (/^\d+/.test(v)) return [`debian:${major}`];
      const code = distro.codename?.toLowerCase();
      const rel = code ? DEBIAN_CODENAMES[code] : undefined;
      if (rel) return [`debian:${rel}`];
      return ["debian:sid"];
    }
    case "ubuntu":
      return v ? [`ubuntu:${majorMinor}`] : [];
    case "alpine":
      if (!v || /_(alpha|beta|rc)|edge/i.test(v)) return ["alpine:edge"];
      return [`alpine:${majorMinor}`];
    case "rhel":
    case "centos":
    case "rocky":
    case "almalinux":
    case "ol":
    case "fedora":
      return v ? [`${id}:${major}`, ...(id === "centos" ? [`rhel:${major}`] : [])] : [id];
    case "amzn":
      return v ? [`amzn:${major}`] : ["amzn"];
    case "wolfi":
    case "chainguard":
    case "minimos":
      return [id];
    default: {
      const out: string[] = [];
      if (v) out.push(`${id}:${v}`);
      if (majorMinor && majorMinor !== v) out.push(`${id}:${majorMinor}`);
      if (major && major !== majorMinor) out.push(`${id}:${major}`);
      out.push(id);
      return out;
    }
  }
}

/** The language namespace of a package (its purl type), or undefined when it is not matched by ecosystem. */
export function languageNamespace(pkg: Package): string | undefined {
  return LANGUAGE_TYPES.has(pkg.type) ? pkg.type : undefined;
}

/** The full ecosystem name of a language package before normalisation (`@scope/name`, `group:artifact`, module path). */
export function ecosystemName(pkg: Package): string {
  const ns = pkg.namespace?.trim();
  switch (pkg.type) {
    case "npm":
      if (!ns || pkg.name.startsWith("@")) return pkg.name;
      return `${ns.startsWith("@") ? ns : `@${ns}`}/${pkg.name}`;
    case "maven":
      return ns && !pkg.name.includes(":") ? `${ns}:${pkg.name}` : pkg.name;
    case "golang":
    case "composer":
      return ns && !pkg.name.startsWith(`${ns}/`) ? `${ns}/${pkg.name}` : pkg.name;
    default:
      return pkg.name;
  }
}

/** Lookup key of a language package in its namespace (PEP 503, group:artifact, lower-case nuget/composer …). */
export function languageKey(pkg: Package, namespace: string): string {
  return normalizePackageName(namespace, ecosystemName(pkg));
}

/** The name an OS package is filed under: the source package (Debian/Ubuntu source, apk origin, source RPM). */
export function osKey(pkg: Package): string {
  return (pkg.sourceName || pkg.name).trim();
}

/** The version compared for an OS package: Debian source version, rpm `epoch:version-release`. */
export function osVersion(pkg: Package): string {
  if (pkg.type === "deb") return pkg.sourceVersion || pkg.version;
  if (pkg.type === "rpm" && pkg.epoch && !/^\d+:/.test(pkg.version)) return `${pkg.epoch}:${pkg.version}`;
  return pkg.version;
}

/**
 * The version compared for a language package. Go's standard library and toolchain are versioned as Go
 * releases ("go1.19", "1.19" = 1.19.0), while the Go vulnerability database writes them as semver
 * ("1.19.0"): normalise, as osv-scanner does.
 */
export function languageVersion(pkg: Package): string {
  if (pkg.type === "golang" && (pkg.name === "stdlib" || pkg.name === "toolchain")) {
    const v = pkg.version.trim().replace(/^go/, "").replace(/^v/, "");
    return /^\d+\.\d+$/.test(v) ? `${v}.0` : v;
  }
  return pkg.version;
}
