import { describe, expect, it } from "vitest";
import type { Sbom } from "../model.js";
import { sampleSbom } from "../testing/sample.js";
import { CDX_PROPS, renderCycloneDx } from "./cyclonedx.js";
import { renderSbom } from "./index.js";
import { renderJson } from "./json.js";
import { classifyLicense, licenseRefId } from "./licenses.js";
import { renderList } from "./list.js";
import { cycloneDx16Validator, errorsText, spdx23Validator, vigilSbomValidator } from "./schemas.testutil.js";
import { renderSpdx, sanitizeSpdxId } from "./spdx.js";

const sbom = sampleSbom();

describe("licenses", () => {
  it("classifies ids, expressions and free names", () => {
    expect(classifyLicense("mit")).toEqual({ kind: "id", id: "MIT" });
    expect(classifyLicense("Apache-2.0 or MIT")).toEqual({
      kind: "expression",
      expression: "Apache-2.0 OR MIT",
    });
    expect(classifyLicense("(MIT OR Apache-2.0)")).toEqual({
      kind: "expression",
      expression: "(MIT OR Apache-2.0)",
    });
    expect(classifyLicense("GPL-2+")).toEqual({ kind: "name", name: "GPL-2+" });
    expect(classifyLicense("MIT AND (")).toEqual({ kind: "name", name: "MIT AND (" });
    expect(licenseRefId("GPL-2+")).toBe("LicenseRef-GPL-2-plus");
    expect(licenseRefId("BSD like / ®")).toBe("LicenseRef-BSD-like");
  });
});

describe("list format", () => {
  it("prints one sorted row per package with name, version, type and layer", () => {
    const out = renderList(sbom);
    const lines = out.split("\n");
    expect(lines[1]).toMatch(/Name\s+Version\s+Type\s+Layer/);
    expect(lines[2]).toMatch(/^─+$/);
    const rows = lines.slice(3).filter((l) => l.trim());
    expect(rows).toHaveLength(sbom.packages.length);
    expect(out).toContain("@babel/core");
    const names = rows.map((r) => r.trim().split(/\s+/)[0]!);
    expect([...names].sort((a, b) => a.localeCompare(b, "en"))).toEqual(names);
    const gs = rows.find((r) => r.trim().startsWith("libgs9-common "));
    expect(gs).toMatch(/9\.26~dfsg\+0-0ubuntu0\.18\.04\.12\s+deb\s+[01] (a{12}|b{12})$/);
  });

  it("filters by package type and strips control characters", () => {
    const hostile: Sbom = {
      ...sbom,
      packages: [{ ...sbom.packages.at(-1)!, name: "x\u001b[2Jy", namespace: undefined }],
    };
    expect(renderList(hostile)).not.toContain("\u001b");
    const npmOnly = renderList(sbom, { onlyTypes: ["npm"] });
    expect(npmOnly).toContain("minimist");
    expect(npmOnly).not.toContain(" deb ");
    expect(renderList({ ...sbom, packages: [] })).toContain("(no packages)");
    const scoped: Sbom = { ...sbom, packages: [{ ...sbom.packages.at(-1)!, namespace: "@babel" }] };
    expect(renderList(scoped)).toMatch(/ @babel\/core /);
  });
});

describe("json format", () => {
  it("validates against Vigil's JSON schema and leaves out owned files by default", () => {
    const v = vigilSbomValidator();
    const doc = JSON.parse(renderJson(sbom)) as Sbom;
    expect(v(doc), errorsText(v)).toBe(true);
    expect(doc.packages.every((p) => p.files === undefined)).toBe(true);
    const full = JSON.parse(renderJson(sbom, { includeFiles: true })) as Sbom;
    expect(full.packages[0]!.files).toEqual(sbom.packages[0]!.files);
    expect(v(full), errorsText(v)).toBe(true);
  });

  it("the schema rejects a document missing required fields or with a bad type", () => {
    const v = vigilSbomValidator();
    const { packages: _p, ...noPackages } = sbom;
    expect(v(noPackages)).toBe(false);
    const badType = { ...sbom, packages: [{ ...sbom.packages[0]!, type: "exe" }] };
    expect(v(badType)).toBe(false);
  });
});

describe("cyclonedx format", () => {
  it("validates against the official CycloneDX 1.6 schema", () => {
    const v = cycloneDx16Validator();
    const doc = JSON.parse(renderCycloneDx(sbom)) as Record<string, unknown>;
    expect(v(doc), errorsText(v)).toBe(true);
    expect(doc.specVersion).toBe("1.6");
    expect(doc.bomFormat).toBe("CycloneDX");
  });

  it("describes the image, the distro and each package with purl, licenses and layer properties", () => {
    type Comp = {
      type: string;
      name: string;
      version?: string;
      purl?: string;
      group?: string;
      hashes?: { alg: string; content: string }[];
      licenses?: ({ license: { id?: string; name?: string } } | { expression: string })[];
      properties?: { name: string; value: string }[];
    };
    const doc = JSON.parse(renderCycloneDx(sbom)) as {
      serialNumber: string;
      metadata: { component: Comp; timestamp: string };
      components: Comp[];
      dependencies?: { ref: string; dependsOn?: string[] }[];
    };
    expect(doc.metadata.component.type).toBe("container");
    expect(doc.metadata.component.version).toBe(sbom.image.digest);
    expect(doc.metadata.component.hashes?.[0]?.content).toBe("c".repeat(64));
    expect(doc.components.find((c) => c.type === "operating-system")?.name).toBe("ubuntu");
    const libs = doc.components.filter((c) => c.type === "library");
    expect(libs).toHaveLength(sbom.packages.length);
    const gcc = libs.find((c) => c.name === "libquadmath0")!;
    expect(gcc.purl).toBe(sbom.packages.find((p) => p.name === "libquadmath0")!.purl);
    const prop = (c: Comp, n: string) => c.properties?.filter((p) => p.name === n).map((p) => p.value);
    expect(prop(gcc, CDX_PROPS.sourceName)).toEqual(["gcc-8"]);
    expect(prop(gcc, CDX_PROPS.layerIndex)).toEqual(["0"]);
    expect(prop(gcc, CDX_PROPS.location)).toEqual(["/var/lib/dpkg/status"]);
    expect(gcc.licenses).toEqual([{ license: { id: "MIT" } }]);
    const babel = libs.find((c) => c.name === "core")!;
    expect(babel.group).toBe("babel");
    expect(babel.licenses).toEqual([{ expression: "(MIT OR Apache-2.0)" }]);
    expect(doc.serialNumber).toMatch(
      /^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
    expect(renderCycloneDx(sbom)).toBe(renderCycloneDx(sbom));
  });

  it("keeps bom-refs unique when two packages share a purl", () => {
    const dup: Sbom = { ...sbom, packages: [sbom.packages[0]!, { ...sbom.packages[0]!, id: "other" }] };
    const v = cycloneDx16Validator();
    const doc = JSON.parse(renderCycloneDx(dup)) as { components: { "bom-ref": string }[] };
    expect(v(doc), errorsText(v)).toBe(true);
    const refs = doc.components.map((c) => c["bom-ref"]);
    expect(new Set(refs).size).toBe(refs.length);
  });
});

describe("spdx format", () => {
  type Doc = {
    packages: {
      SPDXID: string;
      name: string;
      licenseDeclared: string;
      primaryPackagePurpose?: string;
      externalRefs?: { referenceCategory: string; referenceLocator: string }[];
    }[];
    relationships: { spdxElementId: string; relationshipType: string; relatedSpdxElement: string }[];
    hasExtractedLicensingInfos?: { licenseId: string }[];
    creationInfo: { created: string };
  };

  it("validates against the official SPDX 2.3 schema", () => {
    const v = spdx23Validator();
    const doc = JSON.parse(renderSpdx(sbom)) as Doc;
    expect(v(doc), errorsText(v)).toBe(true);
    expect(doc.creationInfo.created).toBe("2026-01-02T03:04:05Z");
  });

  it("has the image as a CONTAINER described by the document, containing every package", () => {
    const doc = JSON.parse(renderSpdx(sbom)) as Doc;
    const image = doc.packages.find((p) => p.primaryPackagePurpose === "CONTAINER")!;
    expect(doc.relationships).toContainEqual({
      spdxElementId: "SPDXRef-DOCUMENT",
      relationshipType: "DESCRIBES",
      relatedSpdxElement: image.SPDXID,
    });
    const contained = doc.relationships.filter(
      (r) => r.spdxElementId === image.SPDXID && r.relationshipType === "CONTAINS",
    );
    expect(contained).toHaveLength(sbom.packages.length + 1);
    const ids = doc.packages.map((p) => p.SPDXID);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) expect(id).toMatch(/^SPDXRef-[A-Za-z0-9.-]+$/);
    const minimist = doc.packages.find((p) => p.name === "minimist")!;
    expect(minimist.externalRefs).toEqual([
      {
        referenceCategory: "PACKAGE-MANAGER",
        referenceType: "purl",
        referenceLocator: "pkg:npm/minimist@1.2.5",
      },
    ]);
    expect(minimist.licenseDeclared).toBe("MIT");
    const refs = new Set(doc.hasExtractedLicensingInfos?.map((e) => e.licenseId));
    for (const p of doc.packages) {
      for (const ref of p.licenseDeclared.match(/LicenseRef-[A-Za-z0-9.-]+/g) ?? [])
        expect(refs.has(ref)).toBe(true);
    }
    expect(doc.packages.some((p) => p.licenseDeclared === "NOASSERTION")).toBe(true);
    expect(doc.packages.some((p) => p.licenseDeclared === "LicenseRef-GPL-2-plus")).toBe(true);
  });

  it("sanitises SPDX ids", () => {
    expect(sanitizeSpdxId("Package-npm-@babel/core_7.0.0+x")).toBe("Package-npm-babel-core-7.0.0-x");
  });
});

describe("renderSbom", () => {
  it("dispatches to each format", async () => {
    expect(await renderSbom(sbom, "list")).toContain("Name");
    expect(JSON.parse(await renderSbom(sbom, "json")).schemaVersion).toBe("1.0");
    expect(JSON.parse(await renderSbom(sbom, "cyclonedx")).bomFormat).toBe("CycloneDX");
    expect(JSON.parse(await renderSbom(sbom, "spdx")).spdxVersion).toBe("SPDX-2.3");
  });
});
