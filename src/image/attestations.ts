/**
 * BuildKit attestations: in-toto statements attached to an image through an attestation manifest.
 * - SBOM (SPDX, CycloneDX predicates): converted to packages, to be merged into Vigil's SBOM.
 * - SLSA provenance v0.2 and v1: base images (materials / resolvedDependencies), build args, source
 *   repository and commit, builder.
 * - OpenVEX predicates are passed through for the matcher.
 * Every field is untrusted: only strings of bounded length are kept.
 */
import { lazyModule } from "../core/lazy.js";
import type { Logger } from "../core/logger.js";
import { importSbom } from "../sbom/import.js";
import type { Package, Provenance } from "../sbom/model.js";
import type { AttestationStatement } from "./types.js";

// A CommonJS dependency, required on first use: an ESM import would also run Node's export lexer over it.
const purlLib = lazyModule<typeof import("packageurl-js")>("packageurl-js");

export const PREDICATE = {
  spdx: "https://spdx.dev/Document",
  cyclonedx: "https://cyclonedx.org/bom",
  slsaV02: "https://slsa.dev/provenance/v0.2",
  slsaV1: "https://slsa.dev/provenance/v1",
  openvex: "https://openvex.dev/ns",
} as const;

export interface ReadAttestations {
  provenance?: Provenance;
  /** Packages from SBOM attestations, `foundBy` set to `attestation:<kind>`. */
  sbomPackages: Package[];
  /** OpenVEX documents found in VEX attestations (their predicates). */
  vexDocuments: unknown[];
  /** Predicate types seen, for diagnostics. */
  predicateTypes: string[];
}

type Json = Record<string, unknown>;
const isObj = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);
const str = (v: unknown, max = 2048): string | undefined =>
  typeof v === "string" && v.length > 0 ? v.slice(0, max) : undefined;

/** `pkg:docker/debian@12?platform=…` or `docker-image://docker.io/library/debian:12` → `debian:12`. */
export function imageFromMaterialUri(uri: string): string | undefined {
  if (uri.startsWith("pkg:docker/")) {
    try {
      const p = purlLib().PackageURL.fromString(uri);
      const repo = p.namespace ? `${p.namespace}/${p.name}` : p.name;
      const host = p.qualifiers?.repository_url;
      const base = host ? `${host.replace(/\/$/, "")}/${repo}` : repo;
      return p.version ? `${base}${p.version.startsWith("sha256:") ? "@" : ":"}${p.version}` : base;
    } catch {
      return undefined;
    }
  }
  if (uri.startsWith("docker-image://")) return uri.slice("docker-image://".length);
  return undefined;
}

/** BuildKit's own frontend image (`docker/dockerfile`) is a material but never a base image. */
function isFrontend(image: string): boolean {
  return /(^|\/)docker\/dockerfile(-upstream)?([:@]|$)/.test(image);
}

function digestOf(v: unknown): string | undefined {
  if (!isObj(v)) return undefined;
  const s = str(v.sha256, 64);
  return s && /^[a-f0-9]{64}$/.test(s) ? `sha256:${s}` : undefined;
}

function buildArgsFrom(args: unknown): Record<string, string> | undefined {
  if (!isObj(args)) return undefined;
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(args)) {
    const m = /^build-arg:(.+)$/.exec(k);
    const s = str(v);
    if (m && s !== undefined) out[m[1]!.slice(0, 256)] = s;
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

function bases(list: unknown): { uri: string; digest?: string }[] {
  const out: { uri: string; digest?: string }[] = [];
  if (!Array.isArray(list)) return out;
  for (const m of list) {
    if (!isObj(m)) continue;
    const uri = str(m.uri);
    if (!uri) continue;
    const image = imageFromMaterialUri(uri);
    if (!image || isFrontend(image)) continue;
    const digest = digestOf(m.digest);
    out.push(digest ? { uri: image, digest } : { uri: image });
  }
  return out;
}

function vcsFrom(meta: unknown): { source?: string; revision?: string } {
  if (!isObj(meta)) return {};
  const bk = meta["https://mobyproject.org/buildkit@v1#metadata"];
  if (!isObj(bk) || !isObj(bk.vcs)) return {};
  return { source: str(bk.vcs.source), revision: str(bk.vcs.revision, 128) };
}

/** Parses a SLSA provenance predicate (v0.2 or v1) into Vigil's Provenance. */
export function parseProvenance(predicateType: string, predicate: unknown): Provenance | undefined {
  if (!isObj(predicate)) return undefined;
  // Where each SLSA version keeps the same facts; one assembly below.
  let where: {
    materials: unknown;
    args: unknown;
    metadata: unknown;
    configSource: unknown;
    builder: unknown;
  };
  if (predicateType === PREDICATE.slsaV02) {
    const inv = isObj(predicate.invocation) ? predicate.invocation : {};
    const params = isObj(inv.parameters) ? inv.parameters : {};
    where = {
      materials: predicate.materials,
      args: params.args,
      metadata: predicate.metadata,
      configSource: inv.configSource,
      builder: predicate.builder,
    };
  } else if (predicateType === PREDICATE.slsaV1) {
    const def = isObj(predicate.buildDefinition) ? predicate.buildDefinition : {};
    const run = isObj(predicate.runDetails) ? predicate.runDetails : {};
    const ext = isObj(def.externalParameters) ? def.externalParameters : {};
    const req = isObj(ext.request) ? ext.request : {};
    where = {
      materials: def.resolvedDependencies,
      args: req.args,
      metadata: run.metadata,
      configSource: ext.configSource,
      builder: run.builder,
    };
  } else return undefined;
  const cs = isObj(where.configSource) ? where.configSource : {};
  const vcs = vcsFrom(where.metadata);
  const p: Provenance = { predicateType, baseImages: bases(where.materials) };
  const args = buildArgsFrom(where.args);
  if (args) p.buildArgs = args;
  const source = vcs.source ?? str(cs.uri);
  if (source) p.sourceRepository = source;
  const commit = vcs.revision ?? (isObj(cs.digest) ? str(cs.digest.sha1, 64) : undefined);
  if (commit) p.sourceCommit = commit;
  const builder = isObj(where.builder) ? str(where.builder.id) : undefined;
  if (builder) p.builderId = builder;
  return p;
}

/** Reads every statement; malformed ones are skipped with a warning. */
export function readAttestations(
  statements: AttestationStatement[],
  logger: Logger,
  reference: string,
): ReadAttestations {
  const out: ReadAttestations = { sbomPackages: [], vexDocuments: [], predicateTypes: [] };
  for (const s of statements) {
    out.predicateTypes.push(s.predicateType);
    const st = s.statement;
    const predicate = isObj(st) ? st.predicate : undefined;
    try {
      if (s.predicateType === PREDICATE.slsaV02 || s.predicateType === PREDICATE.slsaV1) {
        const p = parseProvenance(s.predicateType, predicate);
        if (p && !out.provenance) out.provenance = p;
      } else if (s.predicateType === PREDICATE.spdx || s.predicateType.startsWith(PREDICATE.cyclonedx)) {
        const sbom = importSbom(predicate, `${reference} (SBOM attestation)`);
        const kind = s.predicateType === PREDICATE.spdx ? "spdx" : "cyclonedx";
        for (const p of sbom.packages) out.sbomPackages.push({ ...p, foundBy: `attestation:${kind}` });
      } else if (s.predicateType.startsWith(PREDICATE.openvex)) {
        if (isObj(predicate)) out.vexDocuments.push(predicate);
      }
    } catch (err) {
      logger.warn(
        `${reference}: attestation with predicate ${s.predicateType} skipped: ${(err as Error).message}`,
      );
    }
  }
  return out;
}

/**
 * Merges attestation SBOM packages into the filesystem's packages, de-duplicated by purl (ignoring
 * qualifier order): a package both found on disk and attested keeps the disk record and gains the
 * attestation as a second source; attested-only packages (hidden from the final filesystem, e.g.
 * build-stage or statically linked) are added with `foundBy: attestation:*`.
 */
export function mergeAttestedPackages(filesystem: Package[], attested: Package[]): Package[] {
  const key = (purl: string) => {
    try {
      const p = purlLib().PackageURL.fromString(purl);
      return `${p.type}/${p.namespace ?? ""}/${p.name}@${p.version ?? ""}`.toLowerCase();
    } catch {
      return purl.toLowerCase();
    }
  };
  const byKey = new Map<string, Package>();
  for (const p of filesystem) byKey.set(key(p.purl), p);
  const out = [...filesystem];
  const seen = new Set<string>();
  for (const a of attested) {
    const k = key(a.purl);
    const existing = byKey.get(k);
    if (existing) {
      existing.metadata = { ...(existing.metadata ?? {}), alsoFoundBy: a.foundBy };
      continue;
    }
    if (seen.has(k)) continue;
    seen.add(k);
    out.push({ ...a, id: `${a.id}#attested` });
  }
  return out;
}
