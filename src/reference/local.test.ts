import { homedir } from "node:os";
import { describe, expect, it } from "vitest";
import { parseLocalReference } from "./local.js";

describe("parseLocalReference", () => {
  it("parses Docker Scout's local scheme prefixes", () => {
    expect(parseLocalReference("oci-dir:///tmp/layout")).toEqual({ scheme: "oci-dir", path: "/tmp/layout" });
    expect(parseLocalReference("archive://img.tar")).toEqual({ scheme: "archive", path: "img.tar" });
    expect(parseLocalReference("fs://./rootfs")).toEqual({ scheme: "fs", path: "./rootfs" });
    expect(parseLocalReference("docker-archive:/x.tar")).toBeUndefined();
    expect(parseLocalReference("oci-archive:///x.tar")).toEqual({ scheme: "archive", path: "/x.tar" });
  });

  it("expands ~ and recognises bare paths", () => {
    expect(parseLocalReference("fs://~/root")).toEqual({ scheme: "fs", path: `${homedir()}/root` });
    expect(parseLocalReference("/var/tmp/image.tar")).toEqual({ scheme: "path", path: "/var/tmp/image.tar" });
    expect(parseLocalReference("./layout")).toEqual({ scheme: "path", path: "./layout" });
    expect(parseLocalReference("../x")).toEqual({ scheme: "path", path: "../x" });
    expect(parseLocalReference("image.tar.gz")).toEqual({ scheme: "path", path: "image.tar.gz" });
  });

  it("leaves image names and other schemes alone", () => {
    expect(parseLocalReference("alpine:3.19")).toBeUndefined();
    expect(parseLocalReference("docker.io/library/debian:bookworm")).toBeUndefined();
    expect(parseLocalReference("registry://ghcr.io/x/y:1")).toBeUndefined();
    expect(parseLocalReference("image://alpine")).toBeUndefined();
    expect(parseLocalReference("oci-dir://")).toBeUndefined();
    expect(parseLocalReference("")).toBeUndefined();
  });
});
