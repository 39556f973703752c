import { readdirSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { renderCycloneDx } from "./formats/cyclonedx.js";
import { renderJson } from "./formats/json.js";
import { renderSpdx } from "./formats/spdx.js";
import { distroFromQualifier, factsFromPurl, importSbomText } from "./import.js";
import { CORPUS, sampleSbom } from "./testing/sample.js";

const sbom = sampleSbom();
const key = (p: { purl: string; name: string; version: string }) => `${p.purl}|${p.name}|${p.version}`;

describe("purl facts", () => {
  it("reads type, namespace, arch, upstream and epoch", () => {
    expect(
      factsFromPurl("pkg:deb/debian/libssl3@3.0.11-1~deb12u2?arch=amd64&distro=debian-12&upstream=openssl"),
    ).toEqual({
      type: "deb",
      namespace: "debian",
      name: "libssl3",
      version: "3.0.11-1~deb12u2",
      arch: "amd64",
      sourceName: "openssl",
      sourceVersion: undefined,
      epoch: undefined,
      distro: "debian-12",
    });
    expect(factsFromPurl("pkg:npm/%40babel/core@7.0.0")?.namespace).toBe("babel");
    expect(factsFromPurl("pkg:golang/github.com/pkg/errors@v0.9.1")?.name).toBe("github.com/pkg/errors");
    expect(factsFromPurl("pkg:rpm/redhat/bash@5.1-1.el9?epoch=1")?.epoch).toBe(1);
    expect(factsFromPurl("pkg:swift/x/y@1")?.type).toBe("generic");
    expect(factsFromPurl("not a purl")).toBeUndefined();
    expect(distroFromQualifier("debian-12")).toEqual({ id: "debian", versionId: "12" });
    expect(distroFromQualifier("alpine-3.18.4")).toEqual({ id: "alpine", versionId: "3.18.4" });
  });
});

describe("round trips", () => {
  it("reads Vigil's own CycloneDX output back with layers and source packages", () => {
    const back = importSbomText(renderCycloneDx(sbom), "sbom://x.cdx.json");
    expect(back.packages.map(key).sort()).toEqual(sbom.packages.map(key).sort());
    const q = back.packages.find((p) => p.name === "libquadmath0")!;
    expect(q.sourceName).toBe("gcc-8");
    expect(q.layerIndex).toBe(0);
    expect(q.locations).toEqual([{ path: "/var/lib/dpkg/status" }]);
    expect(back.distro?.id).toBe("ubuntu");
    expect(back.image.digest).toBe(sbom.image.digest);
  });

  it("reads Vigil's own SPDX output back", () => {
    const back = importSbomText(renderSpdx(sbom), "sbom://x.spdx.json");
    expect(back.packages.map(key).sort()).toEqual(sbom.packages.map(key).sort());
    expect(back.distro).toEqual({ id: "ubuntu", versionId: "18.04" });
    expect(back.image.digest).toBe(sbom.image.digest);
  });

  it("reads Vigil JSON back unchanged", () => {
    const back = importSbomText(renderJson(sbom), "sbom://x.json");
    expect(back.packages.map(key)).toEqual(sbom.packages.map(key));
    expect(back.distro).toEqual(sbom.distro);
  });

  it("unwraps an in-toto statement", () => {
    const stmt = {
      _type: "https://in-toto.io/Statement/v0.1",
      predicateType: "https://spdx.dev/Document",
      subject: [],
      predicate: JSON.parse(renderSpdx(sbom)),
    };
    expect(importSbomText(JSON.stringify(stmt), "sbom://att.json").packages).toHaveLength(
      sbom.packages.length,
    );
  });
});

describe("third-party SBOMs from the corpus", () => {
  const dir = `${CORPUS}expected/trivy/fixtures/sbom/`;
  let files: string[] = [];
  try {
    files = readdirSync(dir).filter((f) => f.endsWith(".json"));
  } catch {
    files = [];
  }
  it("the corpus has CycloneDX/SPDX fixtures to read", () => {
    expect(files.length).toBeGreaterThan(0);
  });
  it("reads every CycloneDX and SPDX JSON fixture and finds purl'd packages", () => {
    let read = 0;
    for (const f of files) {
      const text = readFileSync(dir + f, "utf8");
      const doc = JSON.parse(text) as Record<string, unknown>;
      const isCdx = doc.bomFormat === "CycloneDX";
      const isSpdx = typeof doc.spdxVersion === "string";
      if (!isCdx && !isSpdx) continue;
      const s = importSbomText(text, f);
      read++;
      for (const p of s.packages) {
        expect(p.name.length).toBeGreaterThan(0);
        if (p.purl) expect(factsFromPurl(p.purl)).toBeDefined();
      }
    }
    expect(read).toBeGreaterThan(0);
  });
});

describe("bad input", () => {
  it("says what is wrong", () => {
    expect(() => importSbomText("{", "sbom://a")).toThrow(/not valid JSON/);
    expect(() => importSbomText('{"hello": 1}', "sbom://a")).toThrow(/not a supported SBOM/);
    expect(() => importSbomText('{"bomFormat":"CycloneDX","specVersion":"9.9"}', "sbom://a")).toThrow(
      /specVersion/,
    );
  });
});
