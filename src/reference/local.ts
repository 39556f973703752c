/**
 * Local image references: Docker Scout's scheme prefixes for images on disk, and bare paths.
 *
 *   oci-dir://PATH   an OCI image layout directory
 *   archive://PATH   a `docker save` tarball or an OCI archive tarball
 *   fs://PATH        an unpacked root filesystem directory
 *   PATH             a bare path ("/…", "./…", "../…", "~/…", or a name ending in .tar/.tar.gz/.tgz);
 *                    the source is detected from what is on disk.
 */
import { homedir } from "node:os";

export type LocalScheme = "oci-dir" | "archive" | "fs" | "path";

export interface LocalReference {
  scheme: LocalScheme;
  /** The path as given, with `~` expanded; not resolved or checked. */
  path: string;
}

const SCHEMES: Record<string, LocalScheme> = {
  "oci-dir": "oci-dir",
  archive: "archive",
  fs: "fs",
  // Aliases some tools use for the same things.
  "oci-archive": "archive",
  "docker-archive": "archive",
  dir: "fs",
};

function expandHome(p: string): string {
  if (p === "~") return homedir();
  if (p.startsWith("~/")) return homedir() + p.slice(1);
  return p;
}

/**
 * Parse a local reference. Returns undefined when `ref` is not a local reference (an image name such
 * as `alpine:3.19`, or a `registry://` / `image://` / `local://` reference handled elsewhere).
 */
export function parseLocalReference(ref: string): LocalReference | undefined {
  const m = /^([a-z][a-z-]*):\/\/(.*)$/s.exec(ref);
  if (m) {
    const scheme = SCHEMES[m[1]!];
    if (!scheme) return undefined;
    const path = expandHome(m[2]!);
    if (path === "") return undefined;
    return { scheme, path };
  }
  if (ref === "") return undefined;
  if (/^(\/|\.\.?\/|\.\.?$|~\/|~$)/.test(ref)) return { scheme: "path", path: expandHome(ref) };
  if (/\.(tar|tar\.gz|tgz|tar\.zst)$/i.test(ref) && !/[@:]/.test(ref)) return { scheme: "path", path: ref };
  return undefined;
}
