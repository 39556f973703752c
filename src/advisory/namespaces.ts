/**
 * Namespace and package-name conventions (see types.ts). Feeds use these to file records; the matcher
 * uses `normalizePackageName` on its side so that both agree on the key.
 */

/** OSV ecosystem → language namespace (purl type). */
const LANGUAGE: Record<string, string> = {
  npm: "npm",
  pypi: "pypi",
  maven: "maven",
  go: "golang",
  "crates.io": "cargo",
  rubygems: "gem",
  packagist: "composer",
  nuget: "nuget",
  hex: "hex",
  pub: "pub",
  swifturl: "swift",
  cran: "cran",
  hackage: "hackage",
  "github actions": "github-actions",
};

/** OSV distro ecosystem prefix → os-release ID. */
const DISTRO: Record<string, string> = {
  debian: "debian",
  ubuntu: "ubuntu",
  alpine: "alpine",
  almalinux: "almalinux",
  "rocky linux": "rocky",
  rocky: "rocky",
  "red hat": "rhel",
  redhat: "rhel",
  wolfi: "wolfi",
  chainguard: "chainguard",
  minimos: "minimos",
  opensuse: "opensuse",
  suse: "sles",
  sles: "sles",
  mageia: "mageia",
  photon: "photon",
  "photon os": "photon",
  "azure linux": "azurelinux",
  mariner: "mariner",
  echo: "echo",
  openeuler: "openeuler",
  bitnami: "bitnami",
};

/** Debian codename → release number used in namespaces (`debian:12`). `sid` stays `sid`. */
export const DEBIAN_CODENAMES: Record<string, string> = {
  buzz: "1",
  rex: "1",
  bo: "1",
  hamm: "2",
  slink: "2",
  potato: "2",
  woody: "3",
  sarge: "3",
  etch: "4",
  lenny: "5",
  squeeze: "6",
  wheezy: "7",
  jessie: "8",
  stretch: "9",
  buster: "10",
  bullseye: "11",
  bookworm: "12",
  trixie: "13",
  forky: "14",
  duke: "15",
  sid: "sid",
};

/** `bookworm`, `bookworm-security`, `squeeze-lts` → `debian:12` etc.; undefined for unknown names. */
export function debianNamespace(codename: string): string | undefined {
  const base = codename.toLowerCase().replace(/-(security|lts|backports|proposed-updates|updates)$/, "");
  const rel = DEBIAN_CODENAMES[base] ?? (/^\d+$/.test(base) ? base : undefined);
  return rel ? `debian:${rel}` : undefined;
}

/**
 * Namespace of an OSV `affected[].package.ecosystem`: `npm`, `pypi`, `debian:12`, `ubuntu:22.04`
 * (from `Ubuntu:22.04:LTS` and `Ubuntu:Pro:14.04:LTS`), `alpine:3.18` (from `Alpine:v3.18`), `wolfi` …
 * Unknown ecosystems become their lower-cased name (spaces to dashes) so that nothing is lost.
 */
export function namespaceForEcosystem(ecosystem: string): string {
  const parts = ecosystem.split(":").map((p) => p.trim());
  const head = (parts[0] ?? "").toLowerCase();
  if (parts.length === 1 && LANGUAGE[head]) return LANGUAGE[head]!;
  const distro = DISTRO[head];
  const rest = parts.slice(1);
  if (distro) {
    if (distro === "debian") {
      const r = rest[0];
      return r ? (debianNamespace(r) ?? `debian:${r.toLowerCase()}`) : "debian";
    }
    if (distro === "ubuntu") {
      const r = rest.find((p) => /^\d+\.\d+$/.test(p));
      return r ? `ubuntu:${r}` : `ubuntu:${rest.join(":").toLowerCase()}`;
    }
    if (distro === "alpine") {
      const r = rest[0]?.replace(/^v/, "");
      return r ? `alpine:${r}` : "alpine";
    }
    if (rest.length === 0) return distro;
    return `${distro}:${rest[0]!.toLowerCase()}`;
  }
  const base = head.replace(/\s+/g, "-");
  if (parts.length === 1) return LANGUAGE[head] ?? base;
  return `${base}:${rest.join(":").toLowerCase()}`;
}

/** PEP 503 normalisation. */
export function pep503(name: string): string {
  return name.toLowerCase().replace(/[-_.]+/g, "-");
}

/** The lookup key for a package name in a namespace (what the store indexes and lookups must pass). */
export function normalizePackageName(namespace: string, name: string): string {
  const eco = namespace.includes(":") ? namespace.slice(0, namespace.indexOf(":")) : namespace;
  switch (eco) {
    case "pypi":
      return pep503(name.trim());
    case "composer":
    case "nuget":
      return name.trim().toLowerCase();
    case "maven":
      // OSV/GHSA already write group:artifact; tolerate purl-style group/artifact.
      return name.trim().replace("/", ":");
    default:
      return name.trim();
  }
}
