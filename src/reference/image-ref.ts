import { VigilError } from "../core/errors.js";

/**
 * Docker image references, normalised as the Docker CLI does:
 * `alpine` → `docker.io/library/alpine:latest`, `host:5000/ns/repo:tag@sha256:…`, digest-only references.
 * Grammar follows the distribution reference grammar (lower-case path components separated by
 * `.`, `_`, `__` or dashes; a first component is a registry host when it has a `.` or `:` or is `localhost`).
 */
export interface ImageRef {
  /** Registry host[:port], e.g. "docker.io", "ghcr.io", "127.0.0.1:5000". */
  domain: string;
  /** Repository path inside the registry, e.g. "library/alpine". */
  path: string;
  tag?: string;
  digest?: string;
}

export const DEFAULT_DOMAIN = "docker.io";
const LEGACY_DEFAULT_DOMAIN = "index.docker.io";
const OFFICIAL_REPO_PREFIX = "library/";
const MAX_NAME_LENGTH = 255;

const PATH_COMPONENT = /^[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*$/;
const DOMAIN_COMPONENT = /^(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])$/;
const TAG = /^[\w][\w.-]{0,127}$/;
const DIGEST = /^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]{32,}$/;
const SHA256_HEX = /^[a-f0-9]{64}$/;

function invalid(input: string, why: string): VigilError {
  return new VigilError("REFERENCE", `invalid image reference "${input}": ${why}`);
}

function isValidDomain(domain: string): boolean {
  // host[:port], host may be an IPv6 literal in brackets
  const m = /^(\[[0-9a-fA-F:.]+\]|[^:]+)(?::(\d{1,5}))?$/.exec(domain);
  if (!m) return false;
  const host = m[1]!;
  if (m[2] !== undefined && Number(m[2]) > 65535) return false;
  if (host.startsWith("[")) return true;
  return host.split(".").every((c) => DOMAIN_COMPONENT.test(c));
}

/** Parses and normalises an image name as `docker pull` would. Throws REFERENCE errors with the reason. */
export function parseImageRef(input: string): ImageRef {
  const raw = input.trim();
  if (!raw) throw invalid(input, "empty reference");
  if (/\s/.test(raw)) throw invalid(input, "contains whitespace");

  let rest = raw;
  let digest: string | undefined;
  const at = rest.indexOf("@");
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!DIGEST.test(digest)) throw invalid(input, `malformed digest "${digest}"`);
    if (digest.startsWith("sha256:") && !SHA256_HEX.test(digest.slice(7)))
      throw invalid(input, "a sha256 digest needs 64 lower-case hex characters");
  }

  let tag: string | undefined;
  const lastSlash = rest.lastIndexOf("/");
  const colon = rest.lastIndexOf(":");
  if (colon > lastSlash) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG.test(tag)) throw invalid(input, `malformed tag "${tag}"`);
  }
  if (!rest) throw invalid(input, "missing repository name");

  let domain = DEFAULT_DOMAIN;
  let path = rest;
  const slash = rest.indexOf("/");
  if (slash >= 0) {
    const first = rest.slice(0, slash);
    if (
      first.includes(".") ||
      first.includes(":") ||
      first === "localhost" ||
      first !== first.toLowerCase()
    ) {
      domain = first;
      path = rest.slice(slash + 1);
    }
  }
  if (!isValidDomain(domain)) throw invalid(input, `malformed registry host "${domain}"`);
  if (domain === LEGACY_DEFAULT_DOMAIN) domain = DEFAULT_DOMAIN;
  if (path !== path.toLowerCase()) throw invalid(input, "repository name must be lowercase");
  for (const c of path.split("/")) {
    if (!PATH_COMPONENT.test(c)) throw invalid(input, `malformed path component "${c}"`);
  }
  if (domain === DEFAULT_DOMAIN && !path.includes("/")) path = OFFICIAL_REPO_PREFIX + path;
  if (`${domain}/${path}`.length > MAX_NAME_LENGTH)
    throw invalid(input, `repository name longer than ${MAX_NAME_LENGTH} characters`);
  if (!tag && !digest) tag = "latest";
  return { domain, path, tag, digest };
}

/** `docker.io/library/alpine` */
export function repositoryName(ref: ImageRef): string {
  return `${ref.domain}/${ref.path}`;
}

/** The fully qualified reference: `docker.io/library/alpine:3.18@sha256:…`. */
export function formatImageRef(ref: ImageRef): string {
  return `${repositoryName(ref)}${ref.tag ? `:${ref.tag}` : ""}${ref.digest ? `@${ref.digest}` : ""}`;
}

/** The short form users type, as `docker` prints it: `alpine:3.18`, `ghcr.io/x/y:1`. */
export function familiarName(ref: ImageRef): string {
  let name = repositoryName(ref);
  if (ref.domain === DEFAULT_DOMAIN) {
    name = ref.path.startsWith(OFFICIAL_REPO_PREFIX) ? ref.path.slice(OFFICIAL_REPO_PREFIX.length) : ref.path;
  }
  return `${name}${ref.tag ? `:${ref.tag}` : ""}${ref.digest ? `@${ref.digest}` : ""}`;
}

/** The registry host to talk to: Docker Hub's API lives at registry-1.docker.io. */
export function registryHost(ref: ImageRef): string {
  return ref.domain === DEFAULT_DOMAIN ? "registry-1.docker.io" : ref.domain;
}
