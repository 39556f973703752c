/**
 * Version schemes: one module per scheme; `schemeFor` maps package types (purl), OSV ecosystem
 * names ("PyPI", "crates.io", "Debian:12", "Alpine:v3.18", "Red Hat:rhel_aus:8.4::appstream") and
 * distro ids (os-release ID) to the scheme that orders their versions. Unknown keys get `generic`.
 */
import { apk } from "./apk.js";
import { composer } from "./composer.js";
import { deb } from "./deb.js";
import { gem } from "./gem.js";
import { generic } from "./generic.js";
import { golang } from "./golang.js";
import { maven } from "./maven.js";
import { nuget } from "./nuget.js";
import { pep440 } from "./pep440.js";
import { rpm } from "./rpm.js";
import { cargo, semver } from "./semver.js";
import { pub } from "./semver2.js";
import type { SchemeName, VersionScheme } from "./types.js";

export { apk, apkFuzzyMatch, compareApk, parseApk } from "./apk.js";
export { MAX_VERSION_LENGTH } from "./cache.js";
export { composer, parseComposer } from "./composer.js";
export { compareDebParsed, type DebVersion, deb, parseDeb } from "./deb.js";
export { gem, parseGem } from "./gem.js";
export { generic } from "./generic.js";
export { golang, isPseudoVersion, parseGolang } from "./golang.js";
export { compareMaven, type MavenFlavor, maven, mavenCanonical, parseMaven } from "./maven.js";
export { compareNugetParsed, type NugetVersion, nuget, parseNuget } from "./nuget.js";
export { parsePep440, pep440 } from "./pep440.js";
export { inRange, isAffected, type RangeInterval, rangeInterval, satisfiesNpmRange } from "./range.js";
export { parseRpm, type RpmVersion, rpm, rpmvercmp } from "./rpm.js";
export { cargo, compareNpm, npmSatisfies, type SemverOptions, semver } from "./semver.js";
export {
  comparePubParsed,
  compareSemver2Parsed,
  parseSemver2,
  pub,
  type Semver2,
  semver2,
} from "./semver2.js";
export * from "./types.js";

const SCHEMES: Record<SchemeName, VersionScheme> = {
  deb,
  apk,
  rpm,
  semver,
  cargo,
  pep440,
  gem,
  maven,
  golang,
  nuget,
  composer,
  pub,
  generic,
};

/** Lower-cased key (purl type, OSV ecosystem without its `:suffix`, or os-release ID) → scheme. */
const BY_KEY: Record<string, SchemeName> = {};
function map(scheme: SchemeName, keys: string[]): void {
  for (const k of keys) BY_KEY[k] = scheme;
}
map("deb", ["deb", "debian", "ubuntu", "raspbian", "devuan", "kali", "linuxmint", "echo"]);
map("apk", ["apk", "alpine", "wolfi", "chainguard", "minimos", "alpaquita", "postmarketos"]);
map("rpm", [
  "rpm",
  "rhel",
  "red hat",
  "redhat",
  "centos",
  "rocky",
  "rocky linux",
  "almalinux",
  "alma",
  "fedora",
  "amzn",
  "amazon",
  "amazon linux",
  "sles",
  "sle",
  "suse",
  "opensuse",
  "opensuse-leap",
  "opensuse-tumbleweed",
  "sle-micro",
  "mariner",
  "cbl-mariner",
  "azurelinux",
  "azure linux",
  "oracle",
  "ol",
  "oraclelinux",
  "photon",
  "photon os",
  "mageia",
  "openeuler",
]);
map("semver", ["npm"]);
map("pep440", ["pypi", "python", "pip"]);
map("maven", ["maven", "java"]);
map("gem", ["gem", "rubygems", "ruby"]);
map("golang", ["golang", "go"]);
map("nuget", ["nuget", "dotnet"]);
map("composer", ["composer", "packagist", "php"]);
map("cargo", ["cargo", "crates.io", "rust"]);
map("pub", ["pub", "dart", "flutter"]);
// CRAN (R) and Hackage (Haskell) versions are dot/dash-separated numbers: `generic` orders them exactly
// (every corpus row passes), so they map there explicitly.
map("generic", ["cran", "hackage", "generic"]);

/** Normalise a key: lower-case, and drop an OSV `:release` suffix ("Debian:12" → "debian"). */
export function schemeKey(key: string): string {
  let k = key.trim().toLowerCase();
  // OSV "Root:<base>:<release>" (e.g. Root:Alpine:3.18, Root:PyPI) versions follow the base ecosystem
  if (k.startsWith("root:")) k = k.slice(5);
  const colon = k.indexOf(":");
  return colon >= 0 ? k.slice(0, colon).trim() : k;
}

/** Name of the scheme for a purl type, OSV ecosystem or distro id. */
export function schemeNameFor(key: string): SchemeName {
  return BY_KEY[schemeKey(key)] ?? "generic";
}

/** The VersionScheme for a purl type, OSV ecosystem or distro id; `generic` when unknown. */
export function schemeFor(key: string): VersionScheme {
  return SCHEMES[schemeNameFor(key)];
}

/** Every registered scheme, by name. */
export function allSchemes(): readonly VersionScheme[] {
  return Object.values(SCHEMES);
}
