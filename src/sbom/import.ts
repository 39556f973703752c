/**
 * Reading SBOM documents back into the model (for `sbom://` references): SPDX 2.x JSON, CycloneDX
 * 1.4–1.6 JSON, Vigil's own JSON, Syft JSON, and any of these wrapped in an in-toto statement. Each
 * package's type, namespace, name, version, arch and source package come from its purl; Vigil's own
 * CycloneDX properties (layer, locations, source package) are read back when present.
 */
import { readFile, stat } from "node:fs/promises";
import type { PackageURL } from "packageurl-js";
import { VigilError } from "../core/errors.js";
import { lazyModule } from "../core/lazy.js";
import { vigilVersion } from "../core/version.js";
import { CDX_PROPS } from "./formats/cyclonedx-props.js";
import {
  type Distro,
  type ImageInfo,
  type Location,
  type Package,
  type PackageType,
  SBOM_SCHEMA_VERSION,
  type Sbom,
} from "./model.js";

/** packageurl-js, loaded on first use (a cached run that prints no purl never needs it). */
const purlLib = lazyModule<typeof import("packageurl-js")>("packageurl-js");

/** Largest SBOM document read (bytes). */
export const MAX_SBOM_FILE = 512 * 1024 * 1024;

const PURL_TYPES: Record<string, PackageType> = {
  deb: "deb",
  apk: "apk",
  alpm: "generic",
  rpm: "rpm",
  npm: "npm",
  pypi: "pypi",
  maven: "maven",
  golang: "golang",
  cargo: "cargo",
  gem: "gem",
  composer: "composer",
  nuget: "nuget",
};

type Json = Record<string, unknown>;

function isObj(v: unknown): v is Json {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}
function str(v: unknown): string | undefined {
  return typeof v === "string" && v !== "" ? v : undefined;
}
function arr(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}

export type SbomDocumentKind = "vigil" | "spdx" | "cyclonedx" | "syft";

/** Which kind of SBOM a parsed JSON document is (after unwrapping in-toto), or undefined. */
export function detectSbomKind(doc: unknown): { kind: SbomDocumentKind; doc: Json } | undefined {
  if (!isObj(doc)) return undefined;
  if (
    typeof doc._type === "string" &&
    doc._type.startsWith("https://in-toto.io/Statement") &&
    isObj(doc.predicate)
  ) {
    return detectSbomKind(doc.predicate);
  }
  if (typeof doc.spdxVersion === "string" && doc.spdxVersion.startsWith("SPDX-2."))
    return { kind: "spdx", doc };
  if (doc.bomFormat === "CycloneDX") return { kind: "cyclonedx", doc };
  if (isObj(doc.generator) && doc.generator.name === "vigil" && Array.isArray(doc.packages)) {
    return { kind: "vigil", doc };
  }
  if (Array.isArray(doc.artifacts) && isObj(doc.descriptor) && str(doc.descriptor.name))
    return { kind: "syft", doc };
  return undefined;
}

/** Split a `distro` qualifier (`debian-12`, `alpine-3.18.4`, `ubuntu-22.04`) into id and version. */
export function distroFromQualifier(q: string | undefined): Distro | undefined {
  if (!q) return undefined;
  const m = /^([a-z][a-z0-9._]*?)-(.+)$/.exec(q);
  if (!m) return { id: q, versionId: "" };
  return /^\d/.test(m[2]!) ? { id: m[1]!, versionId: m[2]! } : { id: m[1]!, versionId: "", codename: m[2]! };
}

export interface PurlFacts {
  type: PackageType;
  namespace?: string;
  name: string;
  version?: string;
  arch?: string;
  sourceName?: string;
  sourceVersion?: string;
  epoch?: number;
  distro?: string;
}

/** The model's facts from a purl string; undefined when it is not a valid purl. */
export function factsFromPurl(purl: string): PurlFacts | undefined {
  let p: PackageURL;
  try {
    p = purlLib().PackageURL.fromString(purl);
  } catch {
    return undefined;
  }
  const q = (p.qualifiers ?? {}) as Record<string, string>;
  const type = PURL_TYPES[p.type] ?? "generic";
  let namespace = p.namespace ?? undefined;
  if (type === "npm" && namespace?.startsWith("@")) namespace = namespace.slice(1);
  const name = type === "golang" && namespace ? `${namespace}/${p.name}` : p.name;
  if (type === "golang") namespace = undefined;
  let sourceName: string | undefined;
  let sourceVersion: string | undefined;
  if (q.upstream) {
    const m = /^([^@]+)(?:@(.+))?$/.exec(q.upstream);
    sourceName = m?.[1];
    sourceVersion = m?.[2];
  }
  const epoch = q.epoch !== undefined && /^\d+$/.test(q.epoch) ? Number(q.epoch) : undefined;
  return {
    type,
    namespace,
    name,
    version: p.version ?? undefined,
    arch: q.arch,
    sourceName,
    sourceVersion,
    epoch,
    distro: q.distro,
  };
}

function packageId(
  type: string,
  namespace: string | undefined,
  name: string,
  version: string,
  arch?: string,
) {
  return `${type}:${namespace ? `${namespace}/` : ""}${name}@${version}${arch ? `:${arch}` : ""}`;
}

function makePackage(
  input: { purl?: string; name?: string; version?: string; licenses?: string[]; locations?: Location[] },
  foundBy: string,
): Package | undefined {
  const facts = input.purl ? factsFromPurl(input.purl) : undefined;
  const name = facts?.name ?? input.name;
  if (!name) return undefined;
  const version = input.version ?? facts?.version ?? "";
  const type = facts?.type ?? "generic";
  const pkg: Package = {
    id: packageId(type, facts?.namespace, name, version, facts?.arch),
    type,
    name,
    version,
    purl: facts ? input.purl! : "",
    locations: input.locations ?? [],
    foundBy,
  };
  if (facts?.namespace) pkg.namespace = facts.namespace;
  if (facts?.arch) pkg.arch = facts.arch;
  if (facts?.sourceName) pkg.sourceName = facts.sourceName;
  if (facts?.sourceVersion) pkg.sourceVersion = facts.sourceVersion;
  if (facts?.epoch !== undefined) pkg.epoch = facts.epoch;
  if (input.licenses?.length) pkg.licenses = input.licenses;
  return pkg;
}

function dedupeIds(pkgs: Package[]): Package[] {
  const seen = new Map<string, number>();
  for (const p of pkgs) {
    const n = seen.get(p.id) ?? 0;
    seen.set(p.id, n + 1);
    if (n > 0) p.id = `${p.id}#${n + 1}`;
  }
  return pkgs;
}

function distroFromPackages(pkgs: readonly Package[]): Distro | undefined {
  for (const p of pkgs) {
    if (p.type !== "deb" && p.type !== "apk" && p.type !== "rpm") continue;
    const d = distroFromQualifier(p.purl ? factsFromPurl(p.purl)?.distro : undefined);
    if (d) return d;
  }
  return undefined;
}

function baseSbom(reference: string, image: Partial<ImageInfo>, detail: string): Sbom {
  return {
    schemaVersion: SBOM_SCHEMA_VERSION,
    generator: { name: "vigil", version: vigilVersion(), indexerVersion: "import" },
    createdAt: new Date().toISOString(),
    image: { ...image, reference, layers: image.layers ?? [] },
    packages: [],
    sources: [{ kind: "sbom-file", detail }],
  };
}

function fromSpdx(doc: Json, reference: string): Sbom {
  const described = new Set<string>(
    arr(doc.documentDescribes).filter((x): x is string => typeof x === "string"),
  );
  for (const r of arr(doc.relationships)) {
    if (isObj(r) && r.relationshipType === "DESCRIBES" && r.spdxElementId === "SPDXRef-DOCUMENT") {
      const t = str(r.relatedSpdxElement);
      if (t) described.add(t);
    }
  }
  const packages: Package[] = [];
  let image: Partial<ImageInfo> = {};
  let distro: Distro | undefined;
  for (const raw of arr(doc.packages)) {
    if (!isObj(raw)) continue;
    const purpose = str(raw.primaryPackagePurpose);
    const purl = arr(raw.externalRefs)
      .filter(isObj)
      .find((r) => r.referenceType === "purl" && typeof r.referenceLocator === "string")?.referenceLocator as
      | string
      | undefined;
    if (
      purpose === "CONTAINER" ||
      (described.has(str(raw.SPDXID) ?? "") && !purl?.match(/^pkg:(?!oci|docker)/))
    ) {
      const version = str(raw.versionInfo);
      image = {
        name: str(raw.name),
        digest: version && /^sha256:[a-f0-9]{64}$/.test(version) ? version : undefined,
      };
      continue;
    }
    if (purpose === "OPERATING_SYSTEM" || purpose === "OPERATING-SYSTEM") {
      const id = str(raw.name);
      if (id) distro = { id, versionId: str(raw.versionInfo) ?? "" };
      continue;
    }
    const declared = str(raw.licenseDeclared) ?? str(raw.licenseConcluded);
    const licenses =
      declared && declared !== "NOASSERTION" && declared !== "NONE"
        ? [declared.replace(/^LicenseRef-/, "")]
        : undefined;
    const pkg = makePackage(
      { purl, name: str(raw.name), version: str(raw.versionInfo), licenses },
      "sbom:spdx",
    );
    if (pkg) packages.push(pkg);
  }
  const sbom = baseSbom(reference, image, `SPDX ${doc.spdxVersion}`);
  sbom.packages = dedupeIds(packages);
  sbom.distro = distro ?? distroFromPackages(packages);
  if (!sbom.image.name) sbom.image.name = str(doc.name);
  return sbom;
}

function cdxLicenses(v: unknown): string[] | undefined {
  const out: string[] = [];
  for (const l of arr(v)) {
    if (!isObj(l)) continue;
    if (typeof l.expression === "string") out.push(l.expression);
    else if (isObj(l.license)) {
      const t = str(l.license.id) ?? str(l.license.name);
      if (t) out.push(t);
    }
  }
  return out.length ? out : undefined;
}

function fromCycloneDx(doc: Json, reference: string): Sbom {
  const spec = str(doc.specVersion) ?? "";
  if (!/^1\.[2-7]$/.test(spec)) {
    throw new VigilError("IMAGE_FORMAT", `${reference}: unsupported CycloneDX specVersion "${spec}"`);
  }
  const meta = isObj(doc.metadata) ? doc.metadata : {};
  const comp = isObj(meta.component) ? meta.component : undefined;
  const image: Partial<ImageInfo> = {};
  if (comp) {
    image.name = str(comp.name);
    const v = str(comp.version);
    if (v && /^sha256:[a-f0-9]{64}$/.test(v)) image.digest = v;
  }
  const packages: Package[] = [];
  let distro: Distro | undefined;
  const walk = (list: unknown[], depth: number) => {
    if (depth > 32) return;
    for (const c of list) {
      if (!isObj(c)) continue;
      if (c.type === "operating-system") {
        const id = str(c.name);
        if (id) distro = { id, versionId: str(c.version) ?? "" };
      } else if (c.type !== "container") {
        const props = arr(c.properties).filter(isObj);
        const prop = (n: string) => props.filter((p) => p.name === n).map((p) => String(p.value ?? ""));
        const layerIndex = prop(CDX_PROPS.layerIndex)[0];
        const layerDiffId = prop(CDX_PROPS.layerDiffId)[0];
        const locations: Location[] = prop(CDX_PROPS.location).map((path) => ({ path }));
        const pkg = makePackage(
          {
            purl: str(c.purl),
            name: str(c.group) && !str(c.purl) ? `${c.group}/${c.name}` : str(c.name),
            version: str(c.version),
            licenses: cdxLicenses(c.licenses),
            locations,
          },
          prop(CDX_PROPS.foundBy)[0] ?? "sbom:cyclonedx",
        );
        if (pkg) {
          if (layerIndex && /^\d+$/.test(layerIndex)) pkg.layerIndex = Number(layerIndex);
          if (layerDiffId) pkg.layerDiffId = layerDiffId;
          const sn = prop(CDX_PROPS.sourceName)[0];
          const sv = prop(CDX_PROPS.sourceVersion)[0];
          const ob = prop(CDX_PROPS.ownedBy)[0];
          if (sn) pkg.sourceName = sn;
          if (sv) pkg.sourceVersion = sv;
          if (ob) pkg.ownedBy = ob;
          packages.push(pkg);
        }
      }
      walk(arr(c.components), depth + 1);
    }
  };
  walk(arr(doc.components), 0);
  const sbom = baseSbom(reference, image, `CycloneDX ${spec}`);
  sbom.packages = dedupeIds(packages);
  sbom.distro = distro ?? distroFromPackages(packages);
  return sbom;
}

function fromSyft(doc: Json, reference: string): Sbom {
  const packages: Package[] = [];
  for (const a of arr(doc.artifacts)) {
    if (!isObj(a)) continue;
    const licenses = arr(a.licenses)
      .map((l) => (typeof l === "string" ? l : isObj(l) ? str(l.value) : undefined))
      .filter((l): l is string => !!l);
    const locations = arr(a.locations)
      .filter(isObj)
      .map((l) => str(l.path))
      .filter((p): p is string => !!p)
      .map((path) => ({ path }));
    const pkg = makePackage(
      { purl: str(a.purl), name: str(a.name), version: str(a.version), licenses, locations },
      "sbom:syft",
    );
    if (pkg) packages.push(pkg);
  }
  const source = isObj(doc.source) ? doc.source : {};
  const d = isObj(doc.distro) ? doc.distro : undefined;
  const sbom = baseSbom(reference, { name: str(source.name) }, "Syft JSON");
  sbom.packages = dedupeIds(packages);
  const id = d ? str(d.id) : undefined;
  sbom.distro = id ? { id, versionId: str(d!.versionID) ?? "" } : distroFromPackages(packages);
  return sbom;
}

function fromVigil(doc: Json, reference: string): Sbom {
  const v = str(doc.schemaVersion) ?? "";
  if (!/^1\.\d+$/.test(v))
    throw new VigilError("IMAGE_FORMAT", `${reference}: unsupported Vigil SBOM schemaVersion "${v}"`);
  const sbom = doc as unknown as Sbom;
  for (const p of sbom.packages) {
    if (!isObj(p) || typeof p.name !== "string" || typeof p.id !== "string" || !Array.isArray(p.locations)) {
      throw new VigilError("IMAGE_FORMAT", `${reference}: malformed package entry in Vigil SBOM`);
    }
  }
  if (!isObj(sbom.image)) throw new VigilError("IMAGE_FORMAT", `${reference}: Vigil SBOM without an image`);
  return {
    ...sbom,
    schemaVersion: SBOM_SCHEMA_VERSION,
    image: { ...sbom.image, layers: Array.isArray(sbom.image.layers) ? sbom.image.layers : [] },
  };
}

/** Convert a parsed SBOM document (any supported kind) into the model. */
export function importSbom(doc: unknown, reference: string): Sbom {
  const found = detectSbomKind(doc);
  if (!found) {
    throw new VigilError(
      "IMAGE_FORMAT",
      `${reference}: not a supported SBOM (expected SPDX 2.x JSON, CycloneDX JSON, Vigil JSON or Syft JSON)`,
    );
  }
  switch (found.kind) {
    case "spdx":
      return fromSpdx(found.doc, reference);
    case "cyclonedx":
      return fromCycloneDx(found.doc, reference);
    case "syft":
      return fromSyft(found.doc, reference);
    case "vigil":
      return fromVigil(found.doc, reference);
  }
}

/** Parse SBOM text (JSON) into the model. */
export function importSbomText(text: string, reference: string): Sbom {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new VigilError("IMAGE_FORMAT", `${reference}: not valid JSON (${(e as Error).message})`);
  }
  return importSbom(doc, reference);
}

async function readStdin(limit: number): Promise<string> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of process.stdin) {
    const b = chunk as Buffer;
    total += b.length;
    if (total > limit) throw new VigilError("LIMIT", `SBOM on standard input is larger than ${limit} bytes`);
    chunks.push(b);
  }
  return Buffer.concat(chunks).toString("utf8");
}

/** Read an SBOM file (or standard input for `-` / empty path) into the model. */
export async function readSbomFile(path: string, reference = `sbom://${path}`): Promise<Sbom> {
  if (path === "-" || path === "") return importSbomText(await readStdin(MAX_SBOM_FILE), reference);
  let size: number;
  try {
    const st = await stat(path);
    if (!st.isFile()) throw new VigilError("IMAGE_FORMAT", `${path}: not a file`);
    size = st.size;
  } catch (e) {
    if (e instanceof VigilError) throw e;
    throw new VigilError("NOT_FOUND", `${path}: no such file`);
  }
  if (size > MAX_SBOM_FILE) throw new VigilError("LIMIT", `${path}: SBOM larger than ${MAX_SBOM_FILE} bytes`);
  return importSbomText(await readFile(path, "utf8"), reference);
}
