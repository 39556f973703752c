/**
 * Well-known base repositories that `vigil base index --well-known` can index on demand, so that
 * layer-chain detection recognises images built on them without provenance. Tags are resolved in
 * the registry (Docker Hub by default; VIGIL_BASE_REGISTRY names a mirror for air-gapped sites).
 */
export const WELL_KNOWN_BASES: readonly string[] = [
  "debian",
  "ubuntu",
  "alpine",
  "busybox",
  "node",
  "python",
  "golang",
  "eclipse-temurin",
  "nginx",
  "redis",
  "postgres",
  "httpd",
  "ruby",
  "php",
  "openjdk",
  "amazonlinux",
  "rockylinux",
  "almalinux",
  "fedora",
  "gcr.io/distroless/static-debian12",
  "gcr.io/distroless/base-debian12",
  "gcr.io/distroless/cc-debian12",
];

/** The repository to query for a well-known name, honouring a mirror registry. */
export function wellKnownRepository(name: string, mirror = process.env.VIGIL_BASE_REGISTRY): string {
  if (!mirror) return name;
  const path =
    name.includes("/") && name.split("/")[0]!.includes(".")
      ? name.split("/").slice(1).join("/")
      : name.includes("/")
        ? name
        : `library/${name}`;
  return `${mirror.replace(/\/$/, "")}/${path}`;
}
