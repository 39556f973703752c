/** Turning dpkg status stanzas into packages (pure; no file access). */
import type { Stanza } from "./control.js";

export interface DpkgRecord {
  name: string;
  version: string;
  arch?: string;
  sourceName: string;
  sourceVersion?: string;
  maintainer?: string;
  installedSize?: string;
  status?: string;
  line: number;
}

/** dpkg states in which the package's files are on disk and configured. */
const PRESENT_STATES = new Set(["installed", "triggers-pending", "triggers-awaited"]);

/**
 * Is the stanza an installed package? Status is "want flag state"; only the state matters
 * ("deinstall ok installed" is still installed until removed). No Status field (distroless
 * status.d entries) means installed.
 */
export function isInstalled(status: string | undefined): boolean {
  if (status === undefined) return true;
  const words = status.trim().split(/\s+/);
  return words.length === 3 && PRESENT_STATES.has(words[2]!);
}

/** Debian policy allows [a-z0-9+.-]; real databases (vcpkg, test images) hold more, so only reject junk. */
const NAME_RE = /^[A-Za-z0-9][^\s\u0000-\u001f\u007f/]*$/;
const VERSION_RE = /^[A-Za-z0-9.+~:_-]+$/;

/** Validate and convert one stanza; a string is the reason it was rejected. */
export function recordFromStanza(st: Stanza): DpkgRecord | string {
  const f = st.fields;
  const name = f.get("Package");
  if (!name) return "no Package field";
  if (!NAME_RE.test(name) || name.length > 200) return `invalid package name "${name.slice(0, 60)}"`;
  const version = f.get("Version");
  if (!version) return `package ${name} has no Version field`;
  if (!VERSION_RE.test(version) || version.length > 200)
    return `package ${name} has an invalid version "${version.slice(0, 60)}"`;
  let sourceName = name;
  let sourceVersion: string | undefined;
  const source = f.get("Source");
  if (source) {
    const m = /^(\S+)(?:\s+\(([^)]+)\))?/.exec(source);
    if (m) {
      sourceName = m[1]!;
      if (m[2]) sourceVersion = m[2].trim();
    }
  }
  const rec: DpkgRecord = { name, version, sourceName, line: st.line };
  const arch = f.get("Architecture");
  if (arch) rec.arch = arch;
  if (sourceVersion && sourceVersion !== version) rec.sourceVersion = sourceVersion;
  const maint = f.get("Maintainer");
  if (maint) rec.maintainer = maint;
  const size = f.get("Installed-Size");
  if (size) rec.installedSize = size;
  const status = f.get("Status");
  if (status !== undefined) rec.status = status;
  return rec;
}

/** Numeric epoch of a Debian version ("1:2.3-4" → 1), if any. */
export function debEpoch(version: string): number | undefined {
  const m = /^(\d+):/.exec(version);
  return m ? Number(m[1]) : undefined;
}
