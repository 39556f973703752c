import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { match } from "./matcher.js";
import { createMemoryStore } from "./memory-store.js";
import { fixedIn, pkg, record, sbomOf } from "./test-helpers.js";
import { applyVex, parseVexDocument, productMatchesImage, purlMatches } from "./vex.js";
import { loadVexLocations } from "./vex-files.js";

const bookworm = { id: "debian", versionId: "12.13", codename: "bookworm" };
const libssl3 = pkg("deb", "libssl3", "3.0.11-1~deb12u2", {
  sourceName: "openssl",
  purl: "pkg:deb/debian/libssl3@3.0.11-1~deb12u2?arch=amd64&distro=debian-12.13",
});
const minimist = pkg("npm", "minimist", "1.2.5");
const store = createMemoryStore([
  record("CVE-2023-5678", "debian", [fixedIn("debian:12", "openssl", "3.0.13-1~deb12u1")]),
  record(
    "GHSA-xvch-5gv4-984h",
    "osv",
    [
      {
        namespace: "npm",
        name: "minimist",
        status: "affected",
        ranges: [{ type: "ECOSYSTEM", events: [{ introduced: "0" }, { fixed: "1.2.6" }] }],
      },
    ],
    { aliases: ["CVE-2021-44906"] },
  ),
]);
const sbom = sbomOf([libssl3, minimist], bookworm, "registry://docker.io/acme/app:1.0");
sbom.image.name = "docker.io/acme/app";
sbom.image.tags = ["1.0"];
sbom.image.digest = `sha256:${"a".repeat(64)}`;
const findings = match(sbom, store).findings;

function doc(statements: unknown[], extra: Record<string, unknown> = {}): string {
  return JSON.stringify({
    "@context": "https://openvex.dev/ns/v0.2.0",
    "@id": "https://example.com/vex/1",
    author: "security@example.com",
    timestamp: "2024-01-01T00:00:00Z",
    version: 1,
    statements,
    ...extra,
  });
}

describe("purl normalisation", () => {
  it("distro qualifier prefixes and absent arch do not defeat a match", () => {
    expect(purlMatches("pkg:deb/debian/libssl3@3.0.11-1~deb12u2?distro=debian-12", libssl3.purl)).toBe(true);
    expect(purlMatches("pkg:deb/debian/libssl3@3.0.11-1~deb12u2", libssl3.purl)).toBe(true);
    expect(purlMatches("pkg:deb/debian/libssl3", libssl3.purl)).toBe(true);
    expect(purlMatches("pkg:deb/debian/libssl3@3.0.11-1~deb12u2?arch=arm64", libssl3.purl)).toBe(false);
    expect(purlMatches("pkg:deb/debian/libssl3@3.0.11-1~deb12u2?distro=debian-11", libssl3.purl)).toBe(false);
    expect(purlMatches("pkg:deb/debian/libssl3@3.0.9-1", libssl3.purl)).toBe(false);
    expect(purlMatches("pkg:pypi/Zope_Interface@5.0", "pkg:pypi/zope-interface@5.0")).toBe(true);
  });

  it("image products by name:tag, digest and oci purl", () => {
    expect(productMatchesImage("pkg:docker/acme/app@1.0", sbom.image)).toBe(true);
    expect(productMatchesImage("pkg:docker/docker.io/acme/app@1.0", sbom.image)).toBe(true);
    expect(productMatchesImage("pkg:docker/acme/app@2.0", sbom.image)).toBe(false);
    expect(productMatchesImage(`pkg:oci/app@sha256:${"a".repeat(64)}`, sbom.image)).toBe(true);
    expect(productMatchesImage(`pkg:oci/app@sha256:${"b".repeat(64)}`, sbom.image)).toBe(false);
  });
});

describe("applying OpenVEX", () => {
  it("not_affected suppresses (image product + subcomponent), under_investigation annotates, unmatched warns", () => {
    const d = parseVexDocument(
      doc([
        {
          vulnerability: { name: "CVE-2023-5678" },
          products: [
            {
              "@id": "pkg:docker/acme/app@1.0",
              subcomponents: [{ "@id": "pkg:deb/debian/libssl3@3.0.11-1~deb12u2?distro=debian-12" }],
            },
          ],
          status: "not_affected",
          justification: "vulnerable_code_not_in_execute_path",
        },
        {
          vulnerability: { name: "GHSA-xvch-5gv4-984h" },
          products: [{ "@id": "pkg:npm/minimist@1.2.5" }],
          status: "under_investigation",
        },
        {
          vulnerability: { name: "CVE-2000-0001" },
          products: [{ "@id": "pkg:docker/acme/app@1.0" }],
          status: "not_affected",
          justification: "component_not_present",
        },
      ]),
      "vex.json",
    );
    const r = applyVex(findings, [d], sbom.image);
    const ssl = r.findings.find((f) => f.id === "CVE-2023-5678")!;
    expect(ssl.suppressed).toBe(true);
    expect(ssl.vex?.justification).toBe("vulnerable_code_not_in_execute_path");
    const mm = r.findings.find((f) => f.id === "CVE-2021-44906")!;
    expect(mm.suppressed).toBeUndefined();
    expect(mm.vex?.status).toBe("under_investigation");
    expect(r.warnings).toHaveLength(1);
    expect(r.warnings[0]).toMatch(/CVE-2000-0001.*matched no finding/);
    // inputs untouched
    expect(findings.every((f) => !f.vex)).toBe(true);
  });

  it("the newest statement wins; fixed also suppresses; a statement for another image matches nothing", () => {
    const d = parseVexDocument(
      doc(
        [
          {
            vulnerability: "CVE-2021-44906",
            products: ["pkg:npm/minimist@1.2.5"],
            status: "affected",
            timestamp: "2024-03-01T00:00:00Z",
          },
          {
            vulnerability: "CVE-2021-44906",
            products: ["pkg:npm/minimist@1.2.5"],
            status: "fixed",
            timestamp: "2024-02-01T00:00:00Z",
          },
          { vulnerability: "CVE-2023-5678", products: ["pkg:docker/other/image@1.0"], status: "fixed" },
        ],
        { "@context": "https://openvex.dev/ns" },
      ),
      "old.json",
    );
    const r = applyVex(findings, [d], sbom.image);
    expect(r.findings.find((f) => f.id === "CVE-2021-44906")?.vex?.status).toBe("affected");
    expect(r.findings.some((f) => f.suppressed)).toBe(false);
    expect(r.warnings.some((w) => /CVE-2023-5678/.test(w))).toBe(true);
  });

  it("reads in-toto statements and DSSE envelopes", () => {
    const inner = JSON.parse(
      doc([
        {
          vulnerability: { name: "CVE-2021-44906" },
          products: [{ "@id": "pkg:npm/minimist@1.2.5" }],
          status: "not_affected",
          justification: "vulnerable_code_not_present",
        },
      ]),
    );
    const statement = {
      _type: "https://in-toto.io/Statement/v0.1",
      predicateType: "https://openvex.dev/ns/v0.2.0",
      subject: [],
      predicate: inner,
    };
    const env = {
      payloadType: "application/vnd.in-toto+json",
      payload: Buffer.from(JSON.stringify(statement)).toString("base64"),
      signatures: [],
    };
    for (const text of [JSON.stringify(statement), JSON.stringify(env)]) {
      const r = applyVex(findings, [parseVexDocument(text, "att")], sbom.image);
      expect(r.findings.find((f) => f.id === "CVE-2021-44906")?.suppressed).toBe(true);
    }
  });

  it("bad documents are VEX errors naming the file", () => {
    expect(() => parseVexDocument("{", "a.json")).toThrow(/a.json: not valid JSON/);
    expect(() => parseVexDocument(JSON.stringify({ statements: [] }), "b.json")).toThrow(/not an OpenVEX/);
    expect(() =>
      parseVexDocument(doc([{ vulnerability: "X", products: ["p"], status: "maybe" }]), "c.json"),
    ).toThrow(/invalid status/);
  });

  it("--vex-author restricts accepted statements", () => {
    const d = parseVexDocument(
      doc([
        { vulnerability: "CVE-2021-44906", products: ["pkg:npm/minimist@1.2.5"], status: "not_affected" },
      ]),
      "x",
    );
    const r = applyVex(findings, [d], sbom.image, { authors: [/@docker\.com>?$/] });
    expect(r.findings.some((f) => f.suppressed)).toBe(false);
    expect(r.warnings[0]).toMatch(/not accepted by --vex-author/);
  });
});

describe("--vex-location", () => {
  const dir = mkdtempSync(join(tmpdir(), "vigil-vex-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  it("loads files and directories; non-VEX JSON in a directory is a warning", () => {
    writeFileSync(
      join(dir, "a.vex.json"),
      doc([{ vulnerability: "CVE-1", products: ["pkg:npm/x"], status: "fixed" }]),
    );
    writeFileSync(join(dir, "package.json"), "{}");
    const r = loadVexLocations([dir]);
    expect(r.documents.map((d) => d.statements.length)).toEqual([1]);
    expect(r.warnings[0]).toMatch(/package.json: skipped/);
    expect(() => loadVexLocations([join(dir, "package.json")])).toThrow(/not an OpenVEX/);
    expect(() => loadVexLocations([join(dir, "missing")])).toThrow(/does not exist/);
  });
});
