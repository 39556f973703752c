import { describe, expect, it } from "vitest";
import { VigilError } from "../core/errors.js";
import { familiarName, formatImageRef, parseImageRef, registryHost } from "./image-ref.js";
import { parseReference } from "./schemes.js";

const D = "sha256:" + "a".repeat(64);

describe("parseImageRef (Docker normalisation)", () => {
  const cases: [string, string][] = [
    ["alpine", "docker.io/library/alpine:latest"],
    ["alpine:3.18", "docker.io/library/alpine:3.18"],
    ["library/alpine", "docker.io/library/alpine:latest"],
    ["bitnami/redis:7.2", "docker.io/bitnami/redis:7.2"],
    ["index.docker.io/library/debian:12", "docker.io/library/debian:12"],
    ["docker.io/postgres:13.1", "docker.io/library/postgres:13.1"],
    ["ghcr.io/owner/repo/sub:v1.2.3", "ghcr.io/owner/repo/sub:v1.2.3"],
    ["localhost/app", "localhost/app:latest"],
    ["localhost:5000/ns/repo:tag", "localhost:5000/ns/repo:tag"],
    ["127.0.0.1:5000/repo@" + D, "127.0.0.1:5000/repo@" + D],
    ["host.example:443/a/b:t@" + D, "host.example:443/a/b:t@" + D],
    ["alpine@" + D, "docker.io/library/alpine@" + D],
    ["my_repo__x/a-b--c.d", "docker.io/my_repo__x/a-b--c.d:latest"],
  ];
  for (const [input, want] of cases) {
    it(`${input} → ${want}`, () => expect(formatImageRef(parseImageRef(input))).toBe(want));
  }

  it("gives the familiar short name back", () => {
    expect(familiarName(parseImageRef("docker.io/library/alpine:3.18"))).toBe("alpine:3.18");
    expect(familiarName(parseImageRef("bitnami/redis"))).toBe("bitnami/redis:latest");
    expect(familiarName(parseImageRef("ghcr.io/a/b:1"))).toBe("ghcr.io/a/b:1");
  });

  it("talks to registry-1.docker.io for Docker Hub", () => {
    expect(registryHost(parseImageRef("alpine"))).toBe("registry-1.docker.io");
    expect(registryHost(parseImageRef("127.0.0.1:5000/x"))).toBe("127.0.0.1:5000");
  });

  const bad: [string, RegExp][] = [
    ["", /empty/],
    ["Alpine", /lowercase/],
    ["docker.io/Library/alpine", /lowercase/],
    ["alpine:", /malformed tag/],
    ["alpine:-bad", /malformed tag/],
    ["alpine@sha256:abc", /malformed digest|64/],
    ["alpine@sha256:" + "A".repeat(64), /64 lower-case/],
    ["a//b", /malformed path component/],
    ["-alpine", /malformed path component/],
    ["host:99999/x", /malformed registry host/],
    ["alpine latest", /whitespace/],
    [`x/${"a".repeat(300)}`, /longer than 255/],
  ];
  for (const [input, why] of bad) {
    it(`rejects ${JSON.stringify(input).slice(0, 40)}`, () => {
      let err: unknown;
      try {
        parseImageRef(input);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(VigilError);
      expect((err as VigilError).code).toBe("REFERENCE");
      expect((err as VigilError).message).toMatch(why);
    });
  }
});

describe("parseReference (Scout schemes)", () => {
  const none = () => false;
  it("reads image schemes", () => {
    const r = parseReference("registry://alpine:3.18", { exists: none });
    expect(r.kind).toBe("registry");
    if (r.kind === "registry") expect(formatImageRef(r.image)).toBe("docker.io/library/alpine:3.18");
    expect(parseReference("local://nginx", { exists: none }).kind).toBe("local");
    expect(parseReference("image://nginx", { exists: none }).kind).toBe("image");
  });
  it("reads local schemes", () => {
    expect(parseReference("oci-dir://./x", { exists: none })).toMatchObject({ kind: "oci-dir", path: "./x" });
    expect(parseReference("archive:///tmp/a.tar", { exists: none })).toMatchObject({
      kind: "archive",
      path: "/tmp/a.tar",
    });
    expect(parseReference("fs://rootfs", { exists: none })).toMatchObject({ kind: "fs", path: "rootfs" });
    expect(parseReference("sbom://-", { exists: none })).toMatchObject({ kind: "sbom", path: "-" });
  });
  it("treats a bare existing path as local and anything else as an image", () => {
    expect(parseReference("some/dir", { exists: (p) => p === "some/dir" }).kind).toBe("bare-path");
    expect(parseReference("some/dir", { exists: none }).kind).toBe("image");
  });
  it("errors clearly on unknown schemes and missing explicit paths", () => {
    expect(() => parseReference("ftp://x", { exists: none })).toThrow(/unsupported scheme "ftp:\/\/"/);
    expect(() => parseReference("oci-dir://", { exists: none })).toThrow(/needs a path/);
    expect(() => parseReference("./missing", { exists: none })).toThrow(/no such file/);
  });
});
