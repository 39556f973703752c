/**
 * Installed npm packages: `…/node_modules/<name>/package.json` and `…/node_modules/@scope/<name>/package.json`.
 */
import { readJsonObject } from "../json-doc.js";
import { type NpmRecord, npmLicenses, validNpmName, validVersion } from "./model.js";

const NM = "/node_modules/";

/**
 * Is `path` the manifest of a package installed directly in a node_modules folder? Suffix and indexOf
 * checks only (no regex): the walk calls this for every file of every layer.
 */
export function isInstalledManifest(path: string): boolean {
  if (!path.endsWith("/package.json")) return false;
  const nm = path.lastIndexOf(NM);
  if (nm < 0) return false;
  const rest = path.slice(nm + NM.length, path.length - "/package.json".length);
  if (rest.length === 0 || rest.startsWith(".")) return false;
  const slash = rest.indexOf("/");
  if (rest.startsWith("@")) return slash > 1 && slash < rest.length - 1 && rest.indexOf("/", slash + 1) < 0;
  return slash < 0;
}

export type ManifestResult =
  | { kind: "package"; record: NpmRecord }
  | { kind: "skip"; reason: string }
  | { kind: "error"; message: string };

/** Parse an installed package.json. `installPath` is the package directory. */
export function parseInstalledManifest(text: string, installPath: string): ManifestResult {
  const read = readJsonObject(text);
  if (!read.ok) return { kind: "error", message: read.problem };
  const o = read.doc;
  if (o.private === true) return { kind: "skip", reason: "private (workspace package)" };
  const name = o.name;
  const version = o.version;
  if (typeof name !== "string" || typeof version !== "string") {
    return { kind: "error", message: "no string name and version" };
  }
  if (!validNpmName(name)) return { kind: "error", message: "invalid package name" };
  if (!validVersion(version)) return { kind: "error", message: "invalid version" };
  const record: NpmRecord = { name, version, installPath };
  const licenses = npmLicenses(o.license, o.licenses);
  if (licenses) record.licenses = licenses;
  // The directory name is what `require()` resolves; an alias install (npm i x@npm:y) differs from `name`.
  const dirName = installPath.slice(installPath.lastIndexOf(NM) + NM.length);
  if (dirName !== name) record.metadata = { installedAs: dirName };
  return { kind: "package", record };
}
