/**
 * VEX: OpenVEX documents (plain, wrapped in an in-toto statement, or in a DSSE envelope) applied to
 * findings. `not_affected` and `fixed` suppress a finding, `under_investigation` and `affected` annotate
 * it. Products and subcomponents are matched by purl, normalised so that qualifier differences
 * (`distro=debian-12` vs `debian-12.13`, an absent `arch`) do not defeat a match. Every statement that
 * matched nothing is reported as a warning. Parsing and applying are pure; reading files is in vex-files.ts.
 */
import { VigilError } from "../core/errors.js";
import type { ImageInfo } from "../sbom/model.js";
import { parsePurl } from "../sbom/purl.js";
import type { Finding, VexAnnotation } from "./types.js";

export type VexStatus = VexAnnotation["status"];

export interface VexProduct {
  id: string;
  subcomponents: string[];
}

export interface VexStatement {
  /** The vulnerability's name and aliases (upper-cased for comparison). */
  vulnerabilities: string[];
  products: VexProduct[];
  status: VexStatus;
  justification?: string;
  impactStatement?: string;
  actionStatement?: string;
  timestamp?: string;
  author?: string;
  /** Where the statement came from (file path, `attestation`, …). */
  document: string;
  /** Index of the statement inside its document (for warnings). */
  index: number;
}

export interface VexDocument {
  name: string;
  id?: string;
  author?: string;
  timestamp?: string;
  statements: VexStatement[];
}

const STATUSES: ReadonlySet<string> = new Set(["not_affected", "affected", "fixed", "under_investigation"]);
const MAX_STATEMENTS = 100_000;

function str(v: unknown): string | undefined {
  return typeof v === "string" && v.trim() !== "" ? v.trim() : undefined;
}

/** `{ "@id": "pkg:…" }` or a bare string (OpenVEX 0.0.1) → the id. */
function idOf(v: unknown): string | undefined {
  if (typeof v === "string") return str(v);
  if (v && typeof v === "object") {
    const o = v as Record<string, unknown>;
    return str(o["@id"]) ?? str((o.identifiers as Record<string, unknown> | undefined)?.purl);
  }
  return undefined;
}

/** Unwrap an in-toto statement or a DSSE envelope around an OpenVEX predicate. */
function unwrap(doc: unknown, name: string): Record<string, unknown> {
  if (!doc || typeof doc !== "object" || Array.isArray(doc))
    throw new VigilError("VEX", `${name}: not a JSON object`);
  const o = doc as Record<string, unknown>;
  if (typeof o.payload === "string" && typeof o.payloadType === "string") {
    let inner: unknown;
    try {
      inner = JSON.parse(Buffer.from(o.payload, "base64").toString("utf8"));
    } catch {
      throw new VigilError("VEX", `${name}: DSSE payload is not base64 JSON`);
    }
    return unwrap(inner, name);
  }
  if (
    typeof o._type === "string" &&
    /in-toto/.test(o._type) &&
    o.predicate &&
    typeof o.predicate === "object"
  ) {
    return o.predicate as Record<string, unknown>;
  }
  return o;
}

/** Parse one OpenVEX document (v0.0.1 or v0.2.0; plain, in-toto or DSSE). Throws VigilError("VEX") when unreadable. */
export function parseVexDocument(text: string, name: string): VexDocument {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new VigilError(
      "VEX",
      `${name}: not valid JSON (${err instanceof Error ? err.message : String(err)})`,
    );
  }
  const o = unwrap(raw, name);
  const ctx = str(o["@context"]);
  if (!ctx || !/openvex/i.test(ctx)) {
    throw new VigilError(
      "VEX",
      `${name}: not an OpenVEX document (missing "@context": "https://openvex.dev/ns/…")`,
    );
  }
  if (!Array.isArray(o.statements)) throw new VigilError("VEX", `${name}: "statements" must be an array`);
  if (o.statements.length > MAX_STATEMENTS)
    throw new VigilError("VEX", `${name}: more than ${MAX_STATEMENTS} statements`);
  const doc: VexDocument = { name, statements: [] };
  const id = str(o["@id"]);
  if (id) doc.id = id;
  const author = str(o.author);
  if (author) doc.author = author;
  const ts = str(o.timestamp) ?? str(o.last_updated);
  if (ts) doc.timestamp = ts;
  o.statements.forEach((s: unknown, index: number) => {
    if (!s || typeof s !== "object")
      throw new VigilError("VEX", `${name}: statement ${index + 1} is not an object`);
    const st = s as Record<string, unknown>;
    const status = str(st.status);
    if (!status || !STATUSES.has(status))
      throw new VigilError(
        "VEX",
        `${name}: statement ${index + 1} has an invalid status "${String(st.status)}"`,
      );
    const vulns: string[] = [];
    const v = st.vulnerability;
    if (typeof v === "string") vulns.push(v);
    else if (v && typeof v === "object") {
      const vo = v as Record<string, unknown>;
      for (const x of [vo.name, vo["@id"]]) if (str(x)) vulns.push(str(x)!);
      if (Array.isArray(vo.aliases)) for (const a of vo.aliases) if (str(a)) vulns.push(str(a)!);
    }
    if (vulns.length === 0)
      throw new VigilError("VEX", `${name}: statement ${index + 1} names no vulnerability`);
    const products: VexProduct[] = [];
    const legacySubs = Array.isArray(st.subcomponents)
      ? st.subcomponents.map(idOf).filter((x): x is string => !!x)
      : [];
    for (const p of Array.isArray(st.products) ? st.products : []) {
      const pid = idOf(p);
      if (!pid) continue;
      const subs =
        p && typeof p === "object" && Array.isArray((p as Record<string, unknown>).subcomponents)
          ? ((p as Record<string, unknown>).subcomponents as unknown[])
              .map(idOf)
              .filter((x): x is string => !!x)
          : legacySubs;
      products.push({ id: pid, subcomponents: subs });
    }
    if (products.length === 0)
      throw new VigilError("VEX", `${name}: statement ${index + 1} names no product`);
    const out: VexStatement = {
      vulnerabilities: [...new Set(vulns.map((x) => x.toUpperCase()))],
      products,
      status: status as VexStatus,
      document: name,
      index,
    };
    const just = str(st.justification);
    if (just) out.justification = just;
    const impact = str(st.impact_statement);
    if (impact) out.impactStatement = impact;
    const action = str(st.action_statement);
    if (action) out.actionStatement = action;
    const sts = str(st.timestamp) ?? doc.timestamp;
    if (sts) out.timestamp = sts;
    if (doc.author) out.author = doc.author;
    doc.statements.push(out);
  });
  return doc;
}

/** Distro qualifier compatibility: `debian-12` ~ `debian-12.13`, `alpine-3.18` ~ `alpine-3.18.4`. */
function distroCompatible(a: string, b: string): boolean {
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  return x === y || x.startsWith(`${y}.`) || y.startsWith(`${x}.`);
}

const CASE_INSENSITIVE_TYPES = new Set(["npm", "pypi", "nuget", "composer", "golang", "deb", "apk", "gem"]);

/**
 * Does a statement's purl denote this package purl? Type, namespace, name must agree (case-folded where the
 * ecosystem is case-insensitive; PEP 503 for pypi); a version in the statement must equal the package's;
 * qualifiers only disagree when both sides give different `arch` or incompatible `distro`.
 */
export function purlMatches(statementPurl: string, packagePurl: string): boolean {
  const s = parsePurl(statementPurl);
  const p = parsePurl(packagePurl);
  if (!s || !p) return statementPurl === packagePurl;
  if (s.type.toLowerCase() !== p.type.toLowerCase()) return false;
  const norm = (t: string | undefined | null, type: string): string => {
    const v = t ?? "";
    if (type === "pypi") return v.toLowerCase().replace(/[-_.]+/g, "-");
    return CASE_INSENSITIVE_TYPES.has(type) ? v.toLowerCase() : v;
  };
  const type = s.type.toLowerCase();
  if (norm(s.name, type) !== norm(p.name, type)) return false;
  // npm scope "@scope" vs "%40scope" is decoded by the parser; OS namespaces (debian/ubuntu) may be absent
  if (s.namespace && p.namespace && norm(s.namespace, type) !== norm(p.namespace, type)) return false;
  if (s.namespace && !p.namespace && !["deb", "apk", "rpm"].includes(type)) return false;
  if (s.version && p.version && s.version !== p.version) {
    // rpm/deb epochs may be written in the version or as a qualifier
    const strip = (v: string) => v.replace(/^0:/, "");
    if (strip(s.version) !== strip(p.version)) return false;
  }
  if (s.version && !p.version) return false;
  const sq = (s.qualifiers ?? {}) as Record<string, string>;
  const pq = (p.qualifiers ?? {}) as Record<string, string>;
  if (sq.arch && pq.arch && sq.arch !== pq.arch) return false;
  if (sq.distro && pq.distro && !distroCompatible(sq.distro, pq.distro)) return false;
  return true;
}

function shortName(name: string): string {
  return name.replace(/^(index\.)?docker\.io\//, "").replace(/^library\//, "");
}

/** Does a product id (`pkg:docker/…`, `pkg:oci/…`) denote the analysed image? */
export function productMatchesImage(product: string, image: ImageInfo | undefined): boolean {
  if (!image) return false;
  const p = parsePurl(product);
  if (!p || (p.type !== "docker" && p.type !== "oci")) return false;
  const digests = [image.digest, image.indexDigest, image.configDigest].filter((d): d is string => !!d);
  const version = p.version ?? undefined;
  const q = (p.qualifiers ?? {}) as Record<string, string>;
  if (version && /^sha256:[0-9a-f]{64}$/i.test(version)) return digests.includes(version.toLowerCase());
  const fullName = shortName([p.namespace, p.name].filter(Boolean).join("/"));
  const names = new Set<string>();
  if (image.name) names.add(shortName(image.name));
  const ref = image.reference.replace(/^[a-z-]+:\/\//, "");
  names.add(shortName(ref.replace(/[@:][^/]*$/, "")));
  const repoUrl = q.repository_url ? shortName(q.repository_url) : undefined;
  const nameOk =
    names.has(fullName) ||
    (repoUrl !== undefined && names.has(repoUrl)) ||
    (p.type === "oci" && [...names].some((n) => n.endsWith(`/${p.name}`) || n === p.name));
  if (!nameOk) return false;
  const tag = q.tag ?? (version && !version.startsWith("sha256:") ? version : undefined);
  if (!tag) return true;
  const tags = new Set(image.tags ?? []);
  const refTag = /:([^/:@]+)$/.exec(ref)?.[1];
  if (refTag) tags.add(refTag);
  return tags.has(tag);
}

export interface VexApplyResult {
  findings: Finding[];
  /** One per statement that matched no finding. */
  warnings: string[];
  /** Statements that matched at least one finding. */
  applied: number;
}

function statementCovers(st: VexStatement, f: Finding, image: ImageInfo | undefined): boolean {
  const ids = [f.id, ...f.aliases].map((x) => x.toUpperCase());
  if (!st.vulnerabilities.some((v) => ids.includes(v))) return false;
  for (const prod of st.products) {
    if (productMatchesImage(prod.id, image)) {
      if (prod.subcomponents.length === 0) return true;
      if (prod.subcomponents.some((s) => purlMatches(s, f.package.purl))) return true;
    } else if (purlMatches(prod.id, f.package.purl)) {
      return true;
    }
  }
  return false;
}

function newer(a: VexStatement, b: VexStatement): boolean {
  const ta = a.timestamp ? Date.parse(a.timestamp) : Number.NaN;
  const tb = b.timestamp ? Date.parse(b.timestamp) : Number.NaN;
  if (Number.isNaN(ta)) return Number.isNaN(tb); // later in input order wins among undated
  if (Number.isNaN(tb)) return true;
  return ta >= tb;
}

/**
 * Apply statements to findings: for each finding the newest matching statement decides. Returns new
 * finding objects (the inputs are not mutated). `authors` (regexes) restrict whose statements count.
 */
export function applyVex(
  findings: readonly Finding[],
  docs: readonly VexDocument[],
  image: ImageInfo | undefined,
  opts: { authors?: RegExp[] } = {},
): VexApplyResult {
  const statements: VexStatement[] = [];
  const warnings: string[] = [];
  for (const d of docs) {
    for (const st of d.statements) {
      if (opts.authors?.length && !opts.authors.some((re) => re.test(st.author ?? ""))) {
        warnings.push(
          `VEX ${d.name} statement ${st.index + 1} (${st.vulnerabilities[0]}) ignored: author "${st.author ?? ""}" not accepted by --vex-author`,
        );
        continue;
      }
      statements.push(st);
    }
  }
  const used = new Set<VexStatement>();
  const out = findings.map((f) => {
    let chosen: VexStatement | undefined;
    for (const st of statements) {
      if (!statementCovers(st, f, image)) continue;
      used.add(st);
      if (!chosen || newer(st, chosen)) chosen = st;
    }
    if (!chosen) return f;
    const vex: VexAnnotation = { status: chosen.status, document: chosen.document };
    if (chosen.justification) vex.justification = chosen.justification;
    if (chosen.impactStatement) vex.impactStatement = chosen.impactStatement;
    if (chosen.actionStatement) vex.actionStatement = chosen.actionStatement;
    if (chosen.author) vex.author = chosen.author;
    if (chosen.timestamp) vex.timestamp = chosen.timestamp;
    const g: Finding = { ...f, vex };
    if (chosen.status === "not_affected" || chosen.status === "fixed") g.suppressed = true;
    return g;
  });
  for (const st of statements) {
    if (used.has(st)) continue;
    warnings.push(
      `VEX ${st.document} statement ${st.index + 1} (${st.vulnerabilities[0]}, ${st.status}, product ${st.products
        .map((p) => p.id)
        .join(" ")}) matched no finding`,
    );
  }
  return { findings: out, warnings, applied: used.size };
}
