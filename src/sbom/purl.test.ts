import { describe, expect, it } from "vitest";
import { buildPurl, distroQualifier, parsePurl } from "./purl.js";

describe("purl helper", () => {
  it("builds the OS purl shapes with sorted qualifiers and drops empty ones", () => {
    expect(
      buildPurl({
        type: "deb",
        namespace: "debian",
        name: "libssl3",
        version: "3.0.11-1~deb12u2",
        qualifiers: { upstream: "openssl", distro: "debian-12", arch: "amd64", epoch: undefined, x: "" },
      }),
    ).toBe("pkg:deb/debian/libssl3@3.0.11-1~deb12u2?arch=amd64&distro=debian-12&upstream=openssl");
    expect(
      buildPurl({
        type: "rpm",
        namespace: "redhat",
        name: "curl",
        version: "7.76.0-6.cm2",
        qualifiers: {
          arch: "x86_64",
          epoch: "1",
          distro: "mariner-2.0",
          upstream: "curl-7.76.0-6.cm2.src.rpm",
        },
      }),
    ).toBe(
      "pkg:rpm/redhat/curl@7.76.0-6.cm2?arch=x86_64&distro=mariner-2.0&epoch=1&upstream=curl-7.76.0-6.cm2.src.rpm",
    );
  });

  it("percent-encodes what must be encoded and round-trips", () => {
    const s = buildPurl({ type: "npm", namespace: "@types", name: "node", version: "20.0.0+x y" });
    expect(s).toBe("pkg:npm/%40types/node@20.0.0+x%20y");
    expect(parsePurl(s)?.version).toBe("20.0.0+x y");
    expect(parsePurl("not a purl")).toBeUndefined();
  });

  it("distro qualifier", () => {
    expect(distroQualifier({ id: "debian", versionId: "12" })).toBe("debian-12");
    expect(distroQualifier({ id: "debian", versionId: "", codename: "trixie" })).toBe("debian-trixie");
    expect(distroQualifier({ id: "arch", versionId: "" })).toBe("arch");
    expect(distroQualifier(undefined)).toBeUndefined();
  });
});
