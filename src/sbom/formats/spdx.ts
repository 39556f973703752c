/**
 * `--format spdx`: SPDX 2.3 JSON. The document DESCRIBES the image (a CONTAINER package); the image
 * CONTAINS every package (and the distro, an OPERATING_SYSTEM package). Packages carry their purl as a
 * PACKAGE-MANAGER external reference and their declared licenses as SPDX expressions, with LicenseRef-…
 * entries (declared in hasExtractedLicensingInfos) for licenses off the SPDX list and NOASSERTION where
 * unknown. Pure: the namespace is derived from the SBOM's content.
 */
import { vigilVersion } from "../../core/version.js";
import type { Package, Sbom } from "../model.js";
import { uuidFrom } from "./cyclonedx-props.js";
import { classifyLicense, distinctLicenses, licenseRefId } from "./licenses.js";

export interface SpdxExternalRef {
  referenceCategory: "PACKAGE-MANAGER" | "SECURITY" | "PERSISTENT-ID" | "OTHER";
  referenceType: string;
  referenceLocator: string;
}

export interface SpdxPackage {
  SPDXID: string;
  name: string;
  versionInfo?: string;
  downloadLocation: string;
  filesAnalyzed: boolean;
  licenseConcluded: string;
  licenseDeclared: string;
  copyrightText: string;
  supplier?: string;
  sourceInfo?: string;
  primaryPackagePurpose?: string;
  comment?: string;
  checksums?: { algorithm: string; checksumValue: string }[];
  externalRefs?: SpdxExternalRef[];
  annotations?: { annotationDate: string; annotationType: "OTHER"; annotator: string; comment: string }[];
}

export interface SpdxDocument {
  spdxVersion: "SPDX-2.3";
  dataLicense: "CC0-1.0";
  SPDXID: "SPDXRef-DOCUMENT";
  name: string;
  documentNamespace: string;
  creationInfo: { created: string; creators: string[]; licenseListVersion?: string };
  packages: SpdxPackage[];
  relationships: { spdxElementId: string; relationshipType: string; relatedSpdxElement: string }[];
  hasExtractedLicensingInfos?: { licenseId: string; extractedText: string; name: string }[];
  documentDescribes?: string[];
}

/** SPDX idstring: letters, digits, `.` and `-` only. */
export function sanitizeSpdxId(text: string): string {
  return (
    text
      .replace(/[^A-Za-z0-9.-]+/g, "-")
      .replace(/-{2,}/g, "-")
      .replace(/^-+|-+$/g, "") || "x"
  );
}

/** SPDX wants `YYYY-MM-DDThh:mm:ssZ` (no fractional seconds). */
function spdxDate(iso: string): string {
  const d = new Date(iso);
  const t = Number.isNaN(d.getTime()) ? new Date(0) : d;
  return `${t.toISOString().slice(0, 19)}Z`;
}

function declaredLicense(pkg: Package, extracted: Map<string, string>): string {
  const parts: string[] = [];
  for (const l of distinctLicenses(pkg.licenses)) {
    const c = classifyLicense(l);
    if (c.kind === "id") parts.push(c.id);
    else if (c.kind === "expression") parts.push(`(${c.expression})`);
    else {
      const ref = licenseRefId(c.name);
      extracted.set(ref, c.name);
      parts.push(ref);
    }
  }
  if (parts.length === 0) return "NOASSERTION";
  if (parts.length === 1) return parts[0]!.replace(/^\((.*)\)$/, "$1");
  return parts.join(" AND ");
}

function imageName(sbom: Sbom): string {
  return sbom.image.name ?? sbom.image.reference;
}

export function renderSpdx(sbom: Sbom): string {
  return `${JSON.stringify(toSpdx(sbom), null, 2)}\n`;
}

export function toSpdx(sbom: Sbom): SpdxDocument {
  const created = spdxDate(sbom.createdAt);
  const name = imageName(sbom);
  const uuid = uuidFrom(`${sbom.image.digest ?? sbom.image.reference}|${sbom.createdAt}|spdx`);
  const extracted = new Map<string, string>();
  const used = new Set<string>(["SPDXRef-DOCUMENT"]);
  const uniqueId = (base: string) => {
    let id = `SPDXRef-${sanitizeSpdxId(base)}`;
    const root = id;
    for (let n = 2; used.has(id); n++) id = `${root}-${n}`;
    used.add(id);
    return id;
  };

  const img = sbom.image;
  const imageId = uniqueId(`Image-${name}`);
  const digest = img.digest ?? img.configDigest;
  const imagePkg: SpdxPackage = {
    SPDXID: imageId,
    name,
    versionInfo: digest,
    downloadLocation: "NOASSERTION",
    filesAnalyzed: false,
    licenseConcluded: "NOASSERTION",
    licenseDeclared: "NOASSERTION",
    copyrightText: "NOASSERTION",
    primaryPackagePurpose: "CONTAINER",
  };
  const m = digest ? /^sha256:([a-f0-9]{64})$/.exec(digest) : null;
  if (m) imagePkg.checksums = [{ algorithm: "SHA256", checksumValue: m[1]! }];
  if (digest) {
    const repo = img.name?.replace(/[:@].*$/, "");
    const last = (repo ?? "image").split("/").pop()!.toLowerCase() || "image";
    const q = repo ? `?repository_url=${encodeURIComponent(repo)}` : "";
    imagePkg.externalRefs = [
      {
        referenceCategory: "PACKAGE-MANAGER",
        referenceType: "purl",
        referenceLocator: `pkg:oci/${encodeURIComponent(last)}@${encodeURIComponent(digest)}${q}`,
      },
    ];
  }

  const packages: SpdxPackage[] = [imagePkg];
  const relationships: SpdxDocument["relationships"] = [
    { spdxElementId: "SPDXRef-DOCUMENT", relationshipType: "DESCRIBES", relatedSpdxElement: imageId },
  ];

  if (sbom.distro) {
    const d = sbom.distro;
    const osId = uniqueId(`OperatingSystem-${d.id}-${d.versionId}`);
    packages.push({
      SPDXID: osId,
      name: d.id,
      versionInfo: d.versionId || d.codename || undefined,
      downloadLocation: "NOASSERTION",
      filesAnalyzed: false,
      licenseConcluded: "NOASSERTION",
      licenseDeclared: "NOASSERTION",
      copyrightText: "NOASSERTION",
      primaryPackagePurpose: "OPERATING_SYSTEM",
      comment: d.prettyName,
    });
    relationships.push({ spdxElementId: imageId, relationshipType: "CONTAINS", relatedSpdxElement: osId });
  }

  const idsByPackage = new Map<string, string>();
  for (const pkg of sbom.packages) {
    const id = uniqueId(
      `Package-${pkg.type}-${pkg.namespace ? `${pkg.namespace}-` : ""}${pkg.name}-${pkg.version}`,
    );
    idsByPackage.set(pkg.id, id);
    const comments: string[] = [];
    if (pkg.layerIndex !== undefined)
      comments.push(`layer ${pkg.layerIndex}${pkg.layerDiffId ? ` (${pkg.layerDiffId})` : ""}`);
    if (pkg.locations.length) comments.push(`found at ${pkg.locations.map((l) => l.path).join(", ")}`);
    const spdxPkg: SpdxPackage = {
      SPDXID: id,
      name: pkg.name,
      versionInfo: pkg.version || undefined,
      downloadLocation: "NOASSERTION",
      filesAnalyzed: false,
      licenseConcluded: "NOASSERTION",
      licenseDeclared: declaredLicense(pkg, extracted),
      copyrightText: "NOASSERTION",
      primaryPackagePurpose:
        pkg.type === "deb" || pkg.type === "apk" || pkg.type === "rpm" ? "INSTALL" : "LIBRARY",
      sourceInfo: `found by vigil ${pkg.foundBy} cataloger`,
      comment: comments.join("; ") || undefined,
    };
    if (pkg.sourceName) {
      spdxPkg.sourceInfo += `; source package ${pkg.sourceName}${pkg.sourceVersion ? ` ${pkg.sourceVersion}` : ""}`;
    }
    if (pkg.purl) {
      spdxPkg.externalRefs = [
        { referenceCategory: "PACKAGE-MANAGER", referenceType: "purl", referenceLocator: pkg.purl },
      ];
    }
    packages.push(spdxPkg);
    relationships.push({ spdxElementId: imageId, relationshipType: "CONTAINS", relatedSpdxElement: id });
  }
  for (const pkg of sbom.packages) {
    const owner = pkg.ownedBy ? idsByPackage.get(pkg.ownedBy) : undefined;
    const self = idsByPackage.get(pkg.id);
    if (owner && self && owner !== self) {
      relationships.push({ spdxElementId: owner, relationshipType: "CONTAINS", relatedSpdxElement: self });
    }
  }

  const doc: SpdxDocument = {
    spdxVersion: "SPDX-2.3",
    dataLicense: "CC0-1.0",
    SPDXID: "SPDXRef-DOCUMENT",
    name,
    documentNamespace: `https://vigil-scan.github.io/spdx/${encodeURIComponent(sanitizeSpdxId(name))}-${uuid}`,
    creationInfo: { created, creators: [`Tool: vigil-${sbom.generator.version || vigilVersion()}`] },
    packages,
    relationships,
    documentDescribes: [imageId],
  };
  if (extracted.size) {
    doc.hasExtractedLicensingInfos = [...extracted].map(([licenseId, text]) => ({
      licenseId,
      extractedText: text,
      name: text,
    }));
  }
  return doc;
}
