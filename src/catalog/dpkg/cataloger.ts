/**
 * dpkg cataloger: /var/lib/dpkg/status and distroless /var/lib/dpkg/status.d/* entries, owned files
 * from info/<name>[:arch].list (or status.d/<name>.md5sums), licences from /usr/share/doc/<name>/copyright.
 */
import { VigilError } from "../../core/errors.js";
import type { Distro, Package } from "../../sbom/model.js";
import { buildPurl, distroQualifier } from "../../sbom/purl.js";
import { blankBinaryParagraphs } from "../text-db.js";
import type { Cataloger, CatalogInput, CatalogResult, FileRef } from "../types.js";
import { parseControl } from "./control.js";
import { licensesFromCopyright } from "./copyright.js";
import { type DpkgRecord, debEpoch, isInstalled, recordFromStanza } from "./status.js";

export const DPKG_STATUS = "/var/lib/dpkg/status";
const STATUS_D = "/var/lib/dpkg/status.d/";
const INFO = "/var/lib/dpkg/info/";
const DOC = "/usr/share/doc/";
/** Maintainer-script and control-file companions that sit next to status.d entries but are not entries. */
const STATUS_D_SIDE =
  /\.(preinst|postinst|prerm|postrm|conffiles|list|triggers|shlibs|symbols|templates|config)$/;
/** The status fields the cataloger reads (others are not even sliced out of the text). */
const STATUS_FIELDS = new Set([
  "Package",
  "Version",
  "Architecture",
  "Source",
  "Maintainer",
  "Installed-Size",
  "Status",
]);
/** At most this many warnings per file; the rest are counted. */
const MAX_WARNINGS_PER_FILE = 20;

export const dpkgCataloger: Cataloger = {
  name: "dpkg",
  version: "2",
  kind: "os",
  attribution: "database",
  wants(path) {
    if (path === DPKG_STATUS) return true;
    if (path.startsWith(STATUS_D)) {
      const rest = path.slice(STATUS_D.length);
      return rest !== "" && !rest.includes("/") && !STATUS_D_SIDE.test(rest);
    }
    if (path.startsWith(INFO)) return path.endsWith(".list") && !path.includes("/", INFO.length);
    if (path.startsWith(DOC) && path.endsWith("/copyright")) {
      const mid = path.slice(DOC.length, -"/copyright".length);
      return mid !== "" && !mid.includes("/");
    }
    return false;
  },
  catalog: catalogDpkg,
};

interface Found {
  rec: DpkgRecord;
  file: FileRef;
}

async function catalogDpkg(input: CatalogInput): Promise<CatalogResult> {
  const warnings: string[] = [];
  const dbFiles: FileRef[] = [];
  const lists = new Map<string, FileRef>();
  const md5sums = new Map<string, FileRef>();
  const copyrights = new Map<string, FileRef>();
  for (const f of input.files) {
    if (f.path === DPKG_STATUS) dbFiles.unshift(f);
    else if (f.path.startsWith(STATUS_D)) {
      if (f.path.endsWith(".md5sums")) md5sums.set(f.path.slice(STATUS_D.length, -".md5sums".length), f);
      else dbFiles.push(f);
    } else if (f.path.startsWith(INFO)) lists.set(f.path.slice(INFO.length, -".list".length), f);
    else if (f.path.startsWith(DOC)) copyrights.set(f.path.slice(DOC.length, -"/copyright".length), f);
  }
  if (dbFiles.length === 0) return { packages: [], warnings };

  const found: Found[] = [];
  for (const file of dbFiles) {
    const buf = await file.read();
    const isMain = file.path === DPKG_STATUS;
    if (buf.length === 0) continue;
    // Stanzas holding binary bytes (a zero-filled block left by a crash) are skipped one by one; a file
    // with nothing else is not a status file.
    const bin = blankBinaryParagraphs(buf.toString("utf8"));
    const tail = cutTruncatedTail(bin.text);
    const fileWarnings: string[] = bin.lines.map(
      (l) => `${file.path}: stanza at line ${l} skipped: binary content (NUL bytes or invalid UTF-8)`,
    );
    if (tail.warning) fileWarnings.push(`${file.path}: ${tail.warning}`);
    const { stanzas, errors } = parseControl(tail.text, { fields: STATUS_FIELDS });
    fileWarnings.push(...errors.map((e) => `${file.path}: stanza at line ${e.line} skipped: ${e.reason}`));
    let kept = 0;
    for (const st of stanzas) {
      const rec = recordFromStanza(st);
      if (typeof rec === "string") {
        fileWarnings.push(`${file.path}: stanza at line ${st.line} skipped: ${rec}`);
        continue;
      }
      kept++;
      if (isInstalled(rec.status)) found.push({ rec, file });
    }
    if (kept === 0 && bin.lines.length > 0) {
      const msg = `${file.path}: not a dpkg status file (binary content)`;
      if (isMain) throw new VigilError("PACKAGE_DB", msg);
      warnings.push(msg);
      continue;
    }
    if (isMain && kept === 0 && fileWarnings.length > 0) {
      throw new VigilError(
        "PACKAGE_DB",
        `${file.path}: no readable package record (${fileWarnings.length} malformed stanzas)`,
      );
    }
    warnings.push(...fileWarnings.slice(0, MAX_WARNINGS_PER_FILE));
    if (fileWarnings.length > MAX_WARNINGS_PER_FILE)
      warnings.push(
        `${file.path}: ${fileWarnings.length - MAX_WARNINGS_PER_FILE} more malformed stanzas skipped`,
      );
  }

  const packages: Package[] = [];
  const seen = new Set<string>();
  for (const { rec, file } of found) {
    const id = `deb:${rec.name}@${rec.version}${rec.arch ? `:${rec.arch}` : ""}`;
    if (seen.has(id)) continue;
    seen.add(id);
    const pkg = toPackage(rec, file, input.distro, id);
    if (input.identityOnly) {
      packages.push(pkg);
      continue;
    }
    const listFile =
      (rec.arch ? lists.get(`${rec.name}:${rec.arch}`) : undefined) ??
      lists.get(rec.name) ??
      (file.path.startsWith(STATUS_D) ? md5sums.get(file.path.slice(STATUS_D.length)) : undefined) ??
      md5sums.get(rec.name);
    if (listFile) {
      try {
        const text = (await listFile.read()).toString("utf8");
        const files = listFile.path.endsWith(".md5sums") ? filesFromMd5sums(text) : filesFromList(text);
        if (files.length) pkg.files = files;
      } catch (e) {
        warnings.push(`${listFile.path}: unreadable: ${(e as Error).message}`);
      }
    }
    const cr = copyrights.get(rec.name);
    if (cr) {
      try {
        const lic = licensesFromCopyright(await cr.read());
        if (lic.length) pkg.licenses = lic;
      } catch (e) {
        warnings.push(`${cr.path}: unreadable: ${(e as Error).message}`);
      }
    }
    packages.push(pkg);
  }
  return { packages, warnings };
}

function toPackage(rec: DpkgRecord, file: FileRef, distro: Distro | undefined, id: string): Package {
  const namespace = distro?.id && distro.id !== "linux" ? distro.id : "debian";
  const purl = buildPurl({
    type: "deb",
    namespace,
    name: rec.name,
    version: rec.version,
    qualifiers: {
      arch: rec.arch,
      distro: distroQualifier(distro),
      upstream: rec.sourceName !== rec.name ? rec.sourceName : undefined,
    },
  });
  const pkg: Package = {
    id,
    type: "deb",
    name: rec.name,
    namespace,
    version: rec.version,
    purl,
    sourceName: rec.sourceName,
    locations: [{ path: file.path, ...(file.layerIndex >= 0 ? { layerIndex: file.layerIndex } : {}) }],
    foundBy: "dpkg",
  };
  if (rec.sourceVersion) pkg.sourceVersion = rec.sourceVersion;
  const epoch = debEpoch(rec.version);
  if (epoch !== undefined) pkg.epoch = epoch;
  if (rec.arch) pkg.arch = rec.arch;
  const metadata: Record<string, string> = {};
  if (rec.maintainer) metadata.maintainer = rec.maintainer;
  if (rec.installedSize) metadata.installedSize = rec.installedSize;
  if (Object.keys(metadata).length) pkg.metadata = metadata;
  return pkg;
}

/**
 * dpkg ends every status file with a newline. When the last line is unterminated the file was cut:
 * if that line is a field the cataloger reads, the whole last stanza is dropped (its value may be cut
 * short: "Version: 1.2" of "1.2.3-1", "Status: install ok inst"); otherwise only the partial line goes.
 */
export function cutTruncatedTail(text: string): { text: string; warning?: string } {
  if (text === "" || text.endsWith("\n")) return { text };
  const lastLine = text.lastIndexOf("\n") + 1;
  const colon = text.indexOf(":", lastLine);
  const field = colon > lastLine ? text.slice(lastLine, colon) : "";
  if (!STATUS_FIELDS.has(field)) {
    return {
      text: text.slice(0, lastLine),
      warning: "the file ends without a newline (truncated?): partial last line ignored",
    };
  }
  const blank = text.lastIndexOf("\n\n", lastLine);
  const start = blank < 0 ? 0 : blank + 2;
  const lineNo = countLines(text, start);
  return {
    text: text.slice(0, start),
    warning: `stanza at line ${lineNo} skipped: the file ends in the middle of its ${field} line (truncated)`,
  };
}

function countLines(text: string, end: number): number {
  let n = 1;
  for (let i = text.indexOf("\n"); i >= 0 && i < end; i = text.indexOf("\n", i + 1)) n++;
  return n;
}

/**
 * Paths from an info/*.list file, without the directories that only contain other listed paths
 * (dpkg lists each directory before its contents) and without "/.".
 */
export function filesFromList(text: string): string[] {
  const out: string[] = [];
  const n = text.length;
  let pos = 0;
  while (pos < n) {
    let end = text.indexOf("\n", pos);
    if (end < 0) end = n;
    let lineEnd = end;
    if (lineEnd > pos && text.charCodeAt(lineEnd - 1) === 13) lineEnd--;
    const len = lineEnd - pos;
    const next = end + 1;
    // A directory is listed right before its first entry: "/usr" then "/usr/bin".
    const isParent =
      next + len < n &&
      text.charCodeAt(next + len) === 47 /* / */ &&
      text.startsWith(text.slice(pos, lineEnd), next);
    if (len > 0 && !isParent && !(len === 2 && text.startsWith("/.", pos)))
      out.push(text.slice(pos, lineEnd));
    pos = next;
  }
  return out;
}

/** Paths from an md5sums file ("<md5>  relative/path"). */
export function filesFromMd5sums(text: string): string[] {
  const out: string[] = [];
  for (const line of text.split("\n")) {
    const m = /^[0-9a-f]{32}\s+\*?(.+?)\r?$/.exec(line);
    if (m) out.push(m[1]!.startsWith("/") ? m[1]! : `/${m[1]}`);
  }
  return out;
}
