/** Parsers for the older, distro-specific release files (used when os-release is absent). */
import type { Distro } from "../../sbom/model.js";
import { parseOsRelease } from "./os-release.js";

/** `X release N (Codename)` names as they appear in /etc/redhat-release and friends, mapped to os-release IDs. */
const RELEASE_NAMES: [RegExp, string][] = [
  [/^red hat enterprise linux/i, "rhel"],
  [/^red hat linux/i, "rhel"],
  [/^centos stream/i, "centos"],
  [/^centos/i, "centos"],
  [/^fedora/i, "fedora"],
  [/^oracle linux/i, "ol"],
  [/^rocky linux/i, "rocky"],
  [/^almalinux/i, "almalinux"],
  [/^scientific linux/i, "scientific"],
  [/^amazon linux/i, "amzn"],
  [/^cloudlinux/i, "cloudlinux"],
];

/** Parse `CentOS Linux release 7.6.1810 (Core)`-style text. */
export function parseRedhatRelease(text: string, source: string): Distro | undefined {
  const line = text.split("\n")[0]?.replace(/\r$/, "").trim() ?? "";
  const m = /^(.+?)\s+release\s+([0-9][0-9A-Za-z.]*)\s*(?:\(([^)]*)\))?/i.exec(line);
  if (!m) return undefined;
  const entry = RELEASE_NAMES.find(([re]) => re.test(m[1]!));
  if (!entry) return undefined;
  const id = entry[1];
  // os-release on CentOS carries only the major version ("7"); keep the same shape here.
  const versionId = id === "centos" ? m[2]!.split(".")[0]! : m[2]!;
  // "(Core)" and "(Final)" are not codenames.
  const codename = m[3] && !/^(core|final)$/i.test(m[3].trim()) ? m[3].trim() : undefined;
  return {
    id,
    versionId,
    ...(codename ? { codename } : {}),
    prettyName: line.slice(0, 200),
    source,
  };
}

/** /etc/alpine-release: one line, the version ("3.18.4", or "3.19_alpha20230901" on edge). */
export function parseAlpineRelease(text: string, source: string): Distro | undefined {
  const v = text.split("\n")[0]?.trim() ?? "";
  if (!/^[0-9][0-9A-Za-z._-]*$/.test(v) || v.length > 64) return undefined;
  const edge = /_(alpha|beta|git)/.test(v);
  return { id: "alpine", versionId: v, ...(edge ? { codename: "edge" } : {}), source };
}

/** /etc/debian_version: "12.4" (stable point release) or "trixie/sid" (testing/unstable). */
export function parseDebianVersion(text: string): { versionId: string; codename?: string } | undefined {
  const v = text.split("\n")[0]?.trim() ?? "";
  if (/^[0-9]+(\.[0-9]+)*$/.test(v)) return { versionId: v.split(".")[0]! };
  const m = /^([a-z]+)\/sid$/.exec(v);
  if (m) return { versionId: "", codename: m[1]! };
  if (v === "sid" || v === "unstable") return { versionId: "", codename: "sid" };
  return undefined;
}

/** /etc/lsb-release: DISTRIB_ID, DISTRIB_RELEASE, DISTRIB_CODENAME. */
export function parseLsbRelease(text: string, source: string): Distro | undefined {
  const kv = parseOsRelease(text);
  const id = kv.DISTRIB_ID?.toLowerCase().replace(/[^a-z0-9._-]/g, "");
  if (!id) return undefined;
  return {
    id,
    versionId: kv.DISTRIB_RELEASE ?? "",
    ...(kv.DISTRIB_CODENAME ? { codename: kv.DISTRIB_CODENAME } : {}),
    ...(kv.DISTRIB_DESCRIPTION ? { prettyName: kv.DISTRIB_DESCRIPTION } : {}),
    source,
  };
}

/** CPE vendor:product pairs of /etc/system-release-cpe, mapped to os-release IDs. */
const CPE_IDS: Record<string, string> = {
  "centos:linux": "centos",
  "centos:centos": "centos",
  "redhat:enterprise_linux": "rhel",
  "fedoraproject:fedora": "fedora",
  "amazon:linux": "amzn",
  "amazon:amazon_linux": "amzn",
  "oracle:linux": "ol",
  "rocky:rocky": "rocky",
  "almalinux:almalinux": "almalinux",
};

/** /etc/system-release-cpe: `cpe:/o:centos:linux:6:GA`. */
export function parseSystemReleaseCpe(text: string, source: string): Distro | undefined {
  const m = /^cpe:\/o:([^:\s]+):([^:\s]+):([0-9][0-9.]*)/.exec(text.trim());
  if (!m) return undefined;
  const id = CPE_IDS[`${m[1]!.toLowerCase()}:${m[2]!.toLowerCase()}`];
  if (!id) return undefined;
  return { id, versionId: id === "centos" ? m[3]!.split(".")[0]! : m[3]!, source };
}
