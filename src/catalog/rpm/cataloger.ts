/**
 * rpm cataloger: the package database in any of its three formats (BerkeleyDB `Packages`, NDB
 * `Packages.db`, SQLite `rpmdb.sqlite`), under /var/lib/rpm or /usr/lib/sysimage/rpm. One database
 * is read per filesystem state: SQLite, then NDB, then BerkeleyDB (rpm converts forward, so a newer
 * format present next to an older one is the live one).
 */
import { VigilError } from "../../core/errors.js";
import type { Distro, Package } from "../../sbom/model.js";
import { buildPurl, distroQualifier } from "../../sbom/purl.js";
import type { Cataloger, CatalogInput, CatalogResult, FileRef } from "../types.js";
import { BdbFormatError, readBdbHash } from "./bdb.js";
import { parseRpmHeader, type RpmHeader } from "./header.js";
import { NdbFormatError, readNdb } from "./ndb.js";
import { readRpmSqlite, SqliteFormatError } from "./sqlite.js";

const DIRS = ["/usr/lib/sysimage/rpm/", "/var/lib/rpm/"];
const DB_NAMES = ["rpmdb.sqlite", "rpmdb.sqlite-wal", "Packages.db", "Packages"];
export const RPM_DB_PATHS: readonly string[] = DIRS.flatMap((d) => DB_NAMES.map((n) => d + n));
const WANTED = new Set(RPM_DB_PATHS);
const MAX_WARNINGS = 20;

export const rpmCataloger: Cataloger = {
  name: "rpm",
  version: "1",
  kind: "os",
  attribution: "database",
  wants: (path) => WANTED.has(path),
  catalog: catalogRpm,
};

type Format = "sqlite" | "ndb" | "bdb";

/** Choose the database to read among the captured files. */
function pickDatabase(
  files: readonly FileRef[],
): { file: FileRef; format: Format; wal?: FileRef } | undefined {
  const byPath = new Map(files.map((f) => [f.path, f]));
  for (const [name, format] of [
    ["rpmdb.sqlite", "sqlite"],
    ["Packages.db", "ndb"],
    ["Packages", "bdb"],
  ] as const) {
    for (const dir of DIRS) {
      const file = byPath.get(dir + name);
      if (file)
        return { file, format, wal: format === "sqlite" ? byPath.get(`${dir}rpmdb.sqlite-wal`) : undefined };
    }
  }
  return undefined;
}

async function catalogRpm(input: CatalogInput): Promise<CatalogResult> {
  const picked = pickDatabase(input.files);
  if (!picked) return { packages: [], warnings: [] };
  const { file, format } = picked;
  const buf = await file.read();
  const warnings: string[] = [];
  const blobs: { record: string; blob: Buffer }[] = [];
  const containerErrors: string[] = [];
  if (buf.length === 0) return { packages: [], warnings: [`${file.path}: empty rpm database`] };
  try {
    if (format === "sqlite") {
      const wal = picked.wal ? await picked.wal.read() : undefined;
      for (const row of await readRpmSqlite(buf, wal)) {
        if (row.blob) blobs.push({ record: `row ${row.hnum}`, blob: row.blob });
        else containerErrors.push(`row ${row.hnum}: blob column is not a blob`);
      }
    } else if (format === "ndb") {
      const r = readNdb(buf);
      for (const v of r.values) blobs.push({ record: `package ${v.pkgIndex}`, blob: v.value });
      containerErrors.push(...r.errors);
    } else {
      const r = readBdbHash(buf);
      for (const v of r.values) {
        // Key 0 holds rpm's next-instance counter, not a header.
        if (v.key.length === 4 && v.key.every((b) => b === 0) && v.value.length <= 8) continue;
        const n =
          v.key.length === 4
            ? r.littleEndian
              ? v.key.readUInt32LE(0)
              : v.key.readUInt32BE(0)
            : blobs.length;
        blobs.push({ record: `record ${n}`, blob: v.value });
      }
      containerErrors.push(...r.errors);
    }
  } catch (e) {
    if (e instanceof SqliteFormatError || e instanceof NdbFormatError || e instanceof BdbFormatError) {
      throw new VigilError("PACKAGE_DB", `${file.path}: unreadable rpm database: ${e.message}`, { cause: e });
    }
    throw e;
  }

  const packages: Package[] = [];
  const problems = containerErrors.map((m) => `${file.path}: ${m}`);
  const seen = new Set<string>();
  for (const { record, blob } of blobs) {
    const h = parseRpmHeader(blob);
    if (typeof h === "string") {
      problems.push(`${file.path}: ${record} skipped: ${h}`);
      continue;
    }
    if (h.name === "gpg-pubkey") continue;
    const pkg = toPackage(h, file, input.distro);
    if (seen.has(pkg.id)) continue;
    seen.add(pkg.id);
    packages.push(pkg);
  }
  if (packages.length === 0 && problems.length > 0) {
    throw new VigilError(
      "PACKAGE_DB",
      `${file.path}: no readable package in the rpm database (${problems[0]!.slice(file.path.length + 2)})`,
    );
  }
  warnings.push(...problems.slice(0, MAX_WARNINGS));
  if (problems.length > MAX_WARNINGS)
    warnings.push(`${file.path}: ${problems.length - MAX_WARNINGS} more problems`);
  return { packages, warnings };
}

/** purl namespace for an rpm distro: the os-release ID, with Red Hat's own spelling for RHEL. */
function rpmNamespace(distro: Distro | undefined): string | undefined {
  if (!distro?.id || distro.id === "linux") return undefined;
  return distro.id === "rhel" ? "redhat" : distro.id;
}

/** Source package name from a source RPM file name: "curl-7.76.0-6.cm2.src.rpm" → curl, 7.76.0-6.cm2. */
export function splitSourceRpm(srpm: string): { name: string; version?: string } {
  const base = srpm.replace(/\.(no)?src\.rpm$/, "");
  const m = /^(.+)-([^-]+)-([^-]+)$/.exec(base);
  return m ? { name: m[1]!, version: `${m[2]}-${m[3]}` } : { name: base };
}

function toPackage(h: RpmHeader, file: FileRef, distro: Distro | undefined): Package {
  const version = h.release ? `${h.version}-${h.release}` : h.version;
  const namespace = rpmNamespace(distro);
  const src = h.sourceRpm ? splitSourceRpm(h.sourceRpm) : undefined;
  const epochPart = h.epoch ? `${h.epoch}:` : "";
  const pkg: Package = {
    id: `rpm:${h.name}@${epochPart}${version}${h.arch ? `:${h.arch}` : ""}`,
    type: "rpm",
    name: h.name,
    ...(namespace ? { namespace } : {}),
    version,
    purl: buildPurl({
      type: "rpm",
      namespace,
      name: h.name,
      version,
      qualifiers: {
        arch: h.arch,
        epoch: h.epoch ? String(h.epoch) : undefined,
        distro: distroQualifier(distro),
        upstream: h.sourceRpm,
      },
    }),
    sourceName: src?.name ?? h.name,
    locations: [{ path: file.path, ...(file.layerIndex >= 0 ? { layerIndex: file.layerIndex } : {}) }],
    foundBy: "rpm",
  };
  if (src?.version && src.version !== version) pkg.sourceVersion = src.version;
  if (h.epoch !== undefined) pkg.epoch = h.epoch;
  if (h.arch) pkg.arch = h.arch;
  if (h.license) pkg.licenses = [h.license];
  if (h.files.length) pkg.files = h.files;
  const metadata: Record<string, string> = {};
  if (h.vendor) metadata.vendor = h.vendor;
  if (h.modularityLabel) metadata.modularityLabel = h.modularityLabel;
  if (h.sourceRpm) metadata.sourceRpm = h.sourceRpm;
  if (h.size !== undefined) metadata.size = String(h.size);
  if (h.summary) metadata.summary = h.summary;
  if (h.sigmd5) metadata.sigmd5 = h.sigmd5;
  if (Object.keys(metadata).length) pkg.metadata = metadata;
  return pkg;
}
