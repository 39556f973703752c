/**
 * `--format cyclonedx`: CycloneDX 1.6 JSON built with @cyclonedx/cyclonedx-library. The image is
 * `metadata.component` (type container, with its digest); the distro is an operating-system component;
 * every package is a library component with its purl, licenses and `vigil:*` properties for the layer,
 * locations and source package. Pure: the serial number is derived from the SBOM's content.
 */
import { Enums, Models, Serialize, Spec } from "@cyclonedx/cyclonedx-library";
import { lazyModule } from "../../core/lazy.js";
import { vigilVersion } from "../../core/version.js";
import type { Package, Sbom } from "../model.js";
import { CDX_PROPS, uuidFrom } from "./cyclonedx-props.js";
import { classifyLicense, distinctLicenses } from "./licenses.js";

/** packageurl-js, loaded on first use (a cached run that prints no purl never needs it). */
const purlLib = lazyModule<typeof import("packageurl-js")>("packageurl-js");

export { CDX_PROPS, uuidFrom } from "./cyclonedx-props.js";

function licensesOf(pkg: Package): Models.LicenseRepository {
  const repo = new Models.LicenseRepository();
  const classes = distinctLicenses(pkg.licenses).map(classifyLicense);
  // CycloneDX allows either one expression or a list of licenses, not a mix.
  if (classes.length === 1 && classes[0]!.kind === "expression") {
    repo.add(new Models.LicenseExpression(classes[0]!.expression));
    return repo;
  }
  for (const c of classes) {
    if (c.kind === "id") repo.add(new Models.SpdxLicense(c.id));
    else repo.add(new Models.NamedLicense(c.kind === "name" ? c.name : c.expression));
  }
  return repo;
}

function propertiesOf(pkg: Package): Models.PropertyRepository {
  const props = new Models.PropertyRepository();
  const add = (name: string, value: string | number | undefined) => {
    if (value !== undefined && value !== "") props.add(new Models.Property(name, String(value)));
  };
  add(CDX_PROPS.foundBy, pkg.foundBy);
  add(CDX_PROPS.type, pkg.type);
  add(CDX_PROPS.arch, pkg.arch);
  add(CDX_PROPS.epoch, pkg.epoch);
  add(CDX_PROPS.sourceName, pkg.sourceName);
  add(CDX_PROPS.sourceVersion, pkg.sourceVersion);
  add(CDX_PROPS.ownedBy, pkg.ownedBy);
  add(CDX_PROPS.layerIndex, pkg.layerIndex);
  add(CDX_PROPS.layerDiffId, pkg.layerDiffId);
  for (const loc of pkg.locations) add(CDX_PROPS.location, loc.path);
  for (const [k, v] of Object.entries(pkg.metadata ?? {})) add(`${CDX_PROPS.metadataPrefix}${k}`, v);
  return props;
}

function imageComponent(sbom: Sbom): Models.Component {
  const img = sbom.image;
  const name = img.name ?? img.reference;
  const digest = img.digest ?? img.configDigest;
  const hashes = new Models.HashDictionary();
  const m = digest ? /^sha256:([a-f0-9]{64})$/.exec(digest) : null;
  if (m) hashes.set(Enums.HashAlgorithm["SHA-256"], m[1]!);
  let purl: string | undefined;
  if (digest) {
    const repo = img.name?.replace(/[:@].*$/, "");
    const last = (repo ?? "image").split("/").pop()!.toLowerCase() || "image";
    const qualifiers: Record<string, string> = {};
    if (repo) qualifiers.repository_url = repo;
    if (img.platform?.architecture) qualifiers.arch = img.platform.architecture;
    if (img.platform?.os) qualifiers.os = img.platform.os;
    purl = new (purlLib().PackageURL)("oci", undefined, last, digest, qualifiers, undefined).toString();
  }
  const props = new Models.PropertyRepository();
  const add = (k: string, v: string | undefined) => {
    if (v) props.add(new Models.Property(k, v));
  };
  add("vigil:image:reference", img.reference);
  add("vigil:image:configDigest", img.configDigest);
  add("vigil:image:indexDigest", img.indexDigest);
  if (img.platform) {
    const p = img.platform;
    add("vigil:image:platform", `${p.os}/${p.architecture}${p.variant ? `/${p.variant}` : ""}`);
  }
  for (const t of img.tags ?? []) add("vigil:image:tag", t);
  for (const l of img.layers) add("vigil:image:layer", `${l.index} ${l.diffId}`);
  return new Models.Component(Enums.ComponentType.Container, name, {
    bomRef: "image",
    version: digest,
    hashes,
    purl,
    properties: props,
  });
}

function componentOf(pkg: Package, bomRef: string): Models.Component {
  const group = pkg.type === "deb" || pkg.type === "apk" || pkg.type === "rpm" ? undefined : pkg.namespace;
  return new Models.Component(Enums.ComponentType.Library, pkg.name, {
    bomRef,
    group,
    version: pkg.version,
    purl: pkg.purl || undefined,
    licenses: licensesOf(pkg),
    properties: propertiesOf(pkg),
  });
}

/** Unique bom-refs: the purl when unique, else the package id, suffixed when needed. */
export function bomRefs(packages: readonly Package[]): string[] {
  const used = new Set<string>(["image", "os"]);
  return packages.map((p) => {
    let ref = p.purl || p.id;
    if (used.has(ref)) ref = p.id;
    let n = 1;
    const base = ref;
    while (used.has(ref)) ref = `${base}#${++n}`;
    used.add(ref);
    return ref;
  });
}

export function renderCycloneDx(sbom: Sbom): string {
  const bom = new Models.Bom();
  bom.serialNumber = `urn:uuid:${uuidFrom(`${sbom.image.digest ?? sbom.image.reference}|${sbom.createdAt}|${sbom.packages.length}`)}`;
  bom.metadata.timestamp = new Date(sbom.createdAt);
  bom.metadata.tools.components.add(
    new Models.Component(Enums.ComponentType.Application, "vigil", {
      version: sbom.generator.version || vigilVersion(),
      group: "vigil-scan",
    }),
  );
  const image = imageComponent(sbom);
  bom.metadata.component = image;
  if (sbom.distro) {
    const d = sbom.distro;
    const os = new Models.Component(Enums.ComponentType.OperatingSystem, d.id, {
      bomRef: "os",
      version: d.versionId || d.codename,
      description: d.prettyName,
    });
    bom.components.add(os);
    image.dependencies.add(os.bomRef);
  }
  const refs = bomRefs(sbom.packages);
  sbom.packages.forEach((pkg, i) => {
    const c = componentOf(pkg, refs[i]!);
    bom.components.add(c);
    image.dependencies.add(c.bomRef);
  });
  const serializer = new Serialize.JsonSerializer(new Serialize.JSON.Normalize.Factory(Spec.Spec1dot6));
  return `${serializer.serialize(bom, { sortLists: true, space: 2 })}\n`;
}
