/** apk cataloger: /lib/apk/db/installed (Alpine, Wolfi, Chainguard and other apk-based distros). */
import { VigilError } from "../../core/errors.js";
import type { Distro, Package } from "../../sbom/model.js";
import { buildPurl, distroQualifier } from "../../sbom/purl.js";
import { blankBinaryParagraphs } from "../text-db.js";
import type { Cataloger, CatalogInput, CatalogResult } from "../types.js";
import { type ApkRecord, parseApkInstalled } from "./installed.js";

export const APK_INSTALLED = "/lib/apk/db/installed";
/** Where apk-tools 3 keeps the database on /usr-merged systems. */
export const APK_INSTALLED_USR = "/usr/lib/apk/db/installed";
const MAX_WARNINGS = 20;

export const apkCataloger: Cataloger = {
  name: "apk",
  version: "2",
  kind: "os",
  attribution: "database",
  wants: (path) => path === APK_INSTALLED || path === APK_INSTALLED_USR,
  catalog: catalogApk,
};

async function catalogApk(input: CatalogInput): Promise<CatalogResult> {
  const warnings: string[] = [];
  const packages: Package[] = [];
  const seen = new Set<string>();
  // One database: /lib/apk/db/installed, else the /usr-merged location (on usrmerge systems they are
  // the same file through the /lib symlink).
  const file =
    input.files.find((f) => f.path === APK_INSTALLED) ??
    input.files.find((f) => f.path === APK_INSTALLED_USR);
  if (file) {
    const buf = await file.read();
    if (buf.length === 0) return { packages, warnings };
    // Records holding binary bytes (a zero-filled block left by a crash) are skipped one by one; a file with
    // nothing else is not an apk database.
    const bin = blankBinaryParagraphs(buf.toString("utf8"));
    const tail = cutTruncatedTail(bin.text);
    const { records, errors } = parseApkInstalled(tail.text);
    if (records.length === 0 && bin.lines.length > 0)
      throw new VigilError("PACKAGE_DB", `${file.path}: not an apk database (binary content)`);
    for (const l of bin.lines.slice(0, MAX_WARNINGS))
      warnings.push(`${file.path}: record at line ${l} skipped: binary content (NUL bytes or invalid UTF-8)`);
    if (bin.lines.length > MAX_WARNINGS)
      warnings.push(
        `${file.path}: ${bin.lines.length - MAX_WARNINGS} more records with binary content skipped`,
      );
    if (tail.warning) warnings.push(`${file.path}: ${tail.warning}`);
    if (records.length === 0 && (errors.length > 0 || tail.warning)) {
      throw new VigilError(
        "PACKAGE_DB",
        `${file.path}: no readable package record (${errors.length} malformed records${tail.warning ? ", truncated" : ""})`,
      );
    }
    for (const e of errors.slice(0, MAX_WARNINGS))
      warnings.push(`${file.path}: record at line ${e.line} skipped: ${e.reason}`);
    if (errors.length > MAX_WARNINGS)
      warnings.push(`${file.path}: ${errors.length - MAX_WARNINGS} more malformed records skipped`);
    for (const rec of records) {
      const pkg = toPackage(rec, file.path, file.layerIndex, input.distro);
      if (seen.has(pkg.id)) continue;
      seen.add(pkg.id);
      packages.push(pkg);
    }
  }
  return { packages, warnings };
}

/** Keys whose value identifies the package: a record whose last such line is cut is dropped. */
const IDENTITY_KEYS = "PVAo";

/**
 * apk ends the database with a blank line. An unterminated last line means a cut file: a cut P/V/A/o
 * line drops the whole last record (its name or version may be cut short); any other partial line
 * (a file name, a checksum, the licence …) is dropped alone.
 */
export function cutTruncatedTail(text: string): { text: string; warning?: string } {
  if (text === "" || text.endsWith("\n")) return { text };
  const lastLine = text.lastIndexOf("\n") + 1;
  const key = text[lastLine + 1] === ":" ? text[lastLine]! : "";
  if (!key || !IDENTITY_KEYS.includes(key)) {
    return {
      text: text.slice(0, lastLine),
      warning: "the file ends without a newline (truncated?): partial last line ignored",
    };
  }
  const blank = text.lastIndexOf("\n\n", lastLine);
  const start = blank < 0 ? 0 : blank + 2;
  let lineNo = 1;
  for (let i = text.indexOf("\n"); i >= 0 && i < start; i = text.indexOf("\n", i + 1)) lineNo++;
  return {
    text: text.slice(0, start),
    warning: `record at line ${lineNo} skipped: the file ends in the middle of its ${key}: line (truncated)`,
  };
}

function toPackage(rec: ApkRecord, path: string, layerIndex: number, distro: Distro | undefined): Package {
  const namespace = distro?.id && distro.id !== "linux" ? distro.id : "alpine";
  const sourceName = rec.origin || rec.name;
  const pkg: Package = {
    id: `apk:${rec.name}@${rec.version}${rec.arch ? `:${rec.arch}` : ""}`,
    type: "apk",
    name: rec.name,
    namespace,
    version: rec.version,
    purl: buildPurl({
      type: "apk",
      namespace,
      name: rec.name,
      version: rec.version,
      qualifiers: {
        arch: rec.arch,
        distro: distroQualifier(distro),
        upstream: sourceName !== rec.name ? sourceName : undefined,
      },
    }),
    sourceName,
    locations: [{ path, ...(layerIndex >= 0 ? { layerIndex } : {}) }],
    foundBy: "apk",
  };
  if (rec.arch) pkg.arch = rec.arch;
  if (rec.license) pkg.licenses = [rec.license];
  if (rec.files.length) pkg.files = rec.files;
  const metadata: Record<string, string> = {};
  if (rec.maintainer) metadata.maintainer = rec.maintainer;
  if (rec.buildTime) metadata.buildTime = rec.buildTime;
  if (rec.commit) metadata.commit = rec.commit;
  if (rec.url) metadata.url = rec.url;
  if (Object.keys(metadata).length) pkg.metadata = metadata;
  return pkg;
}
