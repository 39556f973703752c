/** Small builders for matcher/report tests (not part of the public API). */
import type { AdvisoryRecord, AffectedPackage } from "../advisory/types.js";
import type { Distro, Package, PackageType, Sbom } from "../sbom/model.js";
import { SBOM_SCHEMA_VERSION } from "../sbom/model.js";

export function pkg(type: PackageType, name: string, version: string, extra: Partial<Package> = {}): Package {
  const ns = extra.namespace ? `${extra.namespace}/` : "";
  return {
    id: `${type}:${ns}${name}@${version}`,
    type,
    name,
    version,
    purl: `pkg:${type}/${ns}${encodeURIComponent(name)}@${encodeURIComponent(version)}`,
    locations: [
      {
        path: type === "deb" ? "/var/lib/dpkg/status" : `/app/node_modules/${name}/package.json`,
        layerIndex: 1,
      },
    ],
    foundBy: type,
    ...extra,
  };
}

export function sbomOf(packages: Package[], distro?: Distro, reference = "oci-dir://test"): Sbom {
  const s: Sbom = {
    schemaVersion: SBOM_SCHEMA_VERSION,
    generator: { name: "vigil", version: "0.0.0", indexerVersion: "test" },
    createdAt: "2026-01-01T00:00:00Z",
    image: { reference, layers: [] },
    packages,
  };
  if (distro) s.distro = distro;
  return s;
}

export function record(
  id: string,
  source: string,
  affected: AffectedPackage[],
  extra: Partial<AdvisoryRecord> = {},
): AdvisoryRecord {
  return { id, aliases: [], source, affected, severities: [], cwes: [], references: [], ...extra };
}

/** A distro entry "fixed in X" (vulnerable below X), as the Debian/Alpine feeds produce it. */
export function fixedIn(
  namespace: string,
  name: string,
  fixed: string,
  extra: Partial<AffectedPackage> = {},
): AffectedPackage {
  return {
    namespace,
    name,
    status: "fixed",
    ranges: [{ type: "ECOSYSTEM", events: [{ introduced: "0" }, { fixed }] }],
    fixedVersions: [fixed],
    ...extra,
  };
}
