/**
 * Distro detection from the release files of one filesystem state. os-release wins (/etc first, then
 * /usr/lib); the distro-specific files fill gaps (a Debian or distroless os-release without
 * VERSION_ID) or stand in when there is no os-release at all.
 */
import type { Distro } from "../../sbom/model.js";
import type { FileRef } from "../types.js";
import { parseOsRelease } from "./os-release.js";
import {
  parseAlpineRelease,
  parseDebianVersion,
  parseLsbRelease,
  parseRedhatRelease,
  parseSystemReleaseCpe,
} from "./release-files.js";

const OS_RELEASE_PATHS = ["/etc/os-release", "/usr/lib/os-release"];
const REDHAT_RELEASE_PATHS = [
  "/etc/redhat-release",
  "/etc/centos-release",
  "/etc/fedora-release",
  "/etc/rocky-release",
  "/etc/almalinux-release",
  "/etc/oracle-release",
  "/etc/system-release",
];

/** Every path distro detection reads. */
export const DISTRO_PATHS: readonly string[] = [
  ...OS_RELEASE_PATHS,
  "/etc/alpine-release",
  "/etc/debian_version",
  ...REDHAT_RELEASE_PATHS,
  "/etc/system-release-cpe",
  "/etc/lsb-release",
];

const DISTRO_PATH_SET = new Set(DISTRO_PATHS);

/** Is `path` one of the files distro detection reads? */
export function wantsDistroPath(path: string): boolean {
  return DISTRO_PATH_SET.has(path);
}

/** Release files are tiny; anything bigger is read only up to this many bytes. */
const MAX_RELEASE_FILE = 64 * 1024;

/** Build a Distro from parsed os-release keys; undefined when the file says nothing useful. */
export function distroFromOsRelease(kv: Record<string, string>, source: string): Distro | undefined {
  if (Object.keys(kv).length === 0) return undefined;
  // os-release(5): ID defaults to "linux".
  const id = normaliseId(kv.ID) || "linux";
  const idLike = (kv.ID_LIKE ?? "")
    .split(/\s+/)
    .map(normaliseId)
    .filter((s) => s !== "");
  let codename = kv.VERSION_CODENAME || undefined;
  if (!codename) {
    // Debian 8 and older only say VERSION="8 (jessie)"; Ubuntu's UBUNTU_CODENAME is the same thing.
    codename = kv.UBUNTU_CODENAME || /\(([a-z]+)\)/.exec(kv.VERSION ?? "")?.[1];
  }
  const versionId = kv.VERSION_ID ?? "";
  if (!codename && id === "alpine" && /edge/i.test(kv.PRETTY_NAME ?? "")) codename = "edge";
  return {
    id,
    versionId,
    ...(codename ? { codename } : {}),
    ...(idLike.length ? { idLike } : {}),
    ...(kv.PRETTY_NAME ? { prettyName: kv.PRETTY_NAME } : kv.NAME ? { prettyName: kv.NAME } : {}),
    source,
  };
}

function normaliseId(s: string | undefined): string {
  return (s ?? "")
    .trim()
    .toLowerCase()
    .replace(/[^a-z0-9._-]/g, "");
}

async function readText(f: FileRef): Promise<string> {
  const buf = f.size > MAX_RELEASE_FILE ? await f.readRange(0, MAX_RELEASE_FILE) : await f.read();
  return buf.toString("utf8");
}

/**
 * Detect the distro from the release files present. `files` may hold any FileRefs; those not in
 * DISTRO_PATHS are ignored. Never throws on content: unreadable or garbage files are skipped.
 */
export async function detectDistro(files: readonly FileRef[]): Promise<Distro | undefined> {
  const byPath = new Map<string, FileRef>();
  for (const f of files) if (DISTRO_PATH_SET.has(f.path)) byPath.set(f.path, f);
  const text = async (p: string): Promise<string | undefined> => {
    const f = byPath.get(p);
    if (!f) return undefined;
    try {
      return await readText(f);
    } catch {
      return undefined;
    }
  };

  let distro: Distro | undefined;
  for (const p of OS_RELEASE_PATHS) {
    const t = await text(p);
    if (t === undefined) continue;
    distro = distroFromOsRelease(parseOsRelease(t), p);
    if (distro) break;
  }

  if (distro) {
    // Fill a missing version from the distro's own release file.
    if (!distro.versionId && distro.id === "debian") {
      const t = await text("/etc/debian_version");
      const dv = t === undefined ? undefined : parseDebianVersion(t);
      if (dv) {
        distro.versionId = dv.versionId;
        if (!distro.codename && dv.codename) distro.codename = dv.codename;
      }
    } else if (!distro.versionId && distro.id === "alpine") {
      const t = await text("/etc/alpine-release");
      const a = t === undefined ? undefined : parseAlpineRelease(t, "/etc/alpine-release");
      if (a) {
        distro.versionId = a.versionId;
        if (!distro.codename && a.codename) distro.codename = a.codename;
      }
    }
    return distro;
  }

  // No usable os-release: fall back to the distro-specific files.
  const alpine = await text("/etc/alpine-release");
  if (alpine !== undefined) {
    const d = parseAlpineRelease(alpine, "/etc/alpine-release");
    if (d) return d;
  }
  for (const p of REDHAT_RELEASE_PATHS) {
    const t = await text(p);
    if (t === undefined) continue;
    const d = parseRedhatRelease(t, p);
    if (d) return d;
  }
  const cpe = await text("/etc/system-release-cpe");
  if (cpe !== undefined) {
    const d = parseSystemReleaseCpe(cpe, "/etc/system-release-cpe");
    if (d) return d;
  }
  const lsb = await text("/etc/lsb-release");
  if (lsb !== undefined) {
    const d = parseLsbRelease(lsb, "/etc/lsb-release");
    if (d) return d;
  }
  const deb = await text("/etc/debian_version");
  if (deb !== undefined) {
    const dv = parseDebianVersion(deb);
    if (dv) {
      return {
        id: "debian",
        versionId: dv.versionId,
        ...(dv.codename ? { codename: dv.codename } : {}),
        source: "/etc/debian_version",
      };
    }
  }
  return undefined;
}
