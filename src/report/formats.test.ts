import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import addFormatsModule from "ajv-formats";
import { describe, expect, it } from "vitest";
import { match } from "../match/matcher.js";
import { createMemoryStore } from "../match/memory-store.js";
import { fixedIn, pkg, record, sbomOf } from "../match/test-helpers.js";
import { applyVex, parseVexDocument } from "../match/vex.js";
import { cycloneDx16Validator, errorsText } from "../sbom/formats/schemas.testutil.js";
import { CVES_FORMATS, type CvesFormat } from "./index.js";
import { buildReport, type VulnReport } from "./model.js";
import { detectedLine, renderPackages } from "./packages.js";
import { renderQuickview } from "./quickview.js";

const addFormats = addFormatsModule as unknown as (ajv: object) => void;
// ajv-draft-04 is CommonJS (module.exports = Ajv): load it with require for a constructable type.
const Ajv04 = createRequire(import.meta.url)("ajv-draft-04") as typeof import("ajv-draft-04").default;

const HOSTILE =
  "\u001b[31mRED\u001b[0m <script>alert(1)</script> | **bold** [x](javascript:alert(1)) \u0007bell\u0000 " +
  "\u001b]8;;https://evil.example\u0007link\u001b]8;;\u0007 " +
  "A".repeat(50_000);

function sampleReport(opts: { hostile?: boolean; showSuppressed?: boolean } = {}): VulnReport {
  const distro = {
    id: "debian",
    versionId: "12",
    codename: "bookworm",
    prettyName: "Debian GNU/Linux 12 (bookworm)",
  };
  const libc = pkg("deb", "libc6", "2.36-9+deb12u1", {
    sourceName: "glibc",
    purl: "pkg:deb/debian/libc6@2.36-9%2Bdeb12u1?arch=amd64&distro=debian-12",
    layerDiffId: `sha256:${"1".repeat(64)}`,
    locations: [{ path: "/var/lib/dpkg/status", layerIndex: 0, layerDiffId: `sha256:${"1".repeat(64)}` }],
  });
  const lodash = pkg("npm", "lodash", "4.17.15", {
    locations: [{ path: "/app/node_modules/lodash/package.json", layerIndex: 2 }],
  });
  const minimist = pkg("npm", "minimist", "1.2.5");
  const clean = pkg("npm", "express", "4.19.2");
  const nvd = (id: string, vector: string, score: number, desc: string) =>
    record(id, "nvd", [], {
      description: desc,
      published: "2020-07-15T17:15:00Z",
      references: [`https://nvd.nist.gov/vuln/detail/${id}`],
      cwes: ["CWE-1321"],
      severities: [{ source: "nvd", cvss: [{ version: "3.1", vector, score }] }],
    });
  const records = [
    record("CVE-2023-4911", "debian", [
      fixedIn("debian:12", "glibc", "2.36-9+deb12u3", {
        severity: { source: "debian", rating: "high", ratingText: "high" },
      }),
    ]),
    nvd(
      "CVE-2023-4911",
      "CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H",
      7.8,
      "Looney Tunables: buffer overflow in ld.so",
    ),
    record(
      "GHSA-p6mc-m468-83gw",
      "osv",
      [
        {
          namespace: "npm",
          name: "lodash",
          status: "affected",
          ranges: [{ type: "ECOSYSTEM", events: [{ introduced: "3.7.0" }, { fixed: "4.17.19" }] }],
        },
      ],
      {
        aliases: ["CVE-2020-8203"],
        summary: opts.hostile ? HOSTILE : "Prototype Pollution in lodash",
        description: opts.hostile
          ? HOSTILE
          : "Prototype pollution attack when using _.zipObjectDeep in lodash before 4.17.20.",
        severities: [{ source: "ghsa", rating: "high", ratingText: "HIGH" }],
      },
    ),
    nvd("CVE-2020-8203", "CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:N/I:H/A:H", 7.4, "lodash prototype pollution"),
    record(
      "GHSA-xvch-5gv4-984h",
      "osv",
      [
        {
          namespace: "npm",
          name: "minimist",
          status: "affected",
          ranges: [
            { type: "ECOSYSTEM", events: [{ introduced: "0" }, { fixed: "0.2.4" }] },
            { type: "ECOSYSTEM", events: [{ introduced: "1.0.0" }, { fixed: "1.2.6" }] },
          ],
        },
      ],
      {
        aliases: ["CVE-2021-44906"],
        summary: "Prototype Pollution in minimist",
        severities: [
          {
            source: "ghsa",
            rating: "critical",
            ratingText: "CRITICAL",
            cvss: [{ version: "3.1", vector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", score: 9.8 }],
          },
        ],
      },
    ),
  ];
  const store = createMemoryStore(records, {
    kev: [{ cveId: "CVE-2023-4911", dateAdded: "2023-11-21" }],
    epss: [{ cveId: "CVE-2021-44906", score: 0.01234, percentile: 0.8567 }],
  });
  const sbom = sbomOf([libc, lodash, minimist, clean], distro, "oci-dir://examples/debian-app");
  sbom.image.digest = `sha256:${"d".repeat(64)}`;
  sbom.image.platform = { os: "linux", architecture: "amd64" };
  sbom.image.size = 31_400_000;
  let findings = match(sbom, store).findings;
  const vex = parseVexDocument(
    JSON.stringify({
      "@context": "https://openvex.dev/ns/v0.2.0",
      author: "sec@example.com",
      statements: [
        {
          vulnerability: { name: "CVE-2023-4911" },
          products: [{ "@id": libc.purl }],
          status: "not_affected",
          justification: "vulnerable_code_not_in_execute_path",
        },
      ],
    }),
    "vex.json",
  );
  findings = applyVex(findings, [vex], sbom.image).findings;
  return buildReport({
    sbom,
    findings,
    filters: { showSuppressed: opts.showSuppressed ?? false },
    toolVersion: "0.1.0",
    now: new Date("2026-01-02T03:04:05.678Z"),
  });
}

describe("packages format (Scout layout)", () => {
  it("renders the overview, per-package blocks with C/H/M/L counts and the totals", () => {
    const r = sampleReport();
    const text = renderPackages(r, { epss: true, locations: true });
    if (process.env.DUMP) console.log(text);
    expect(text).toContain("## Overview");
    expect(text).toMatch(/ {2}vulnerabilities │ {4}1C {5}1H {5}0M {5}0L/);
    expect(text).toContain("## Packages and Vulnerabilities");
    expect(text).toContain("   1C     0H     0M     0L  minimist 1.2.5\npkg:npm/minimist@1.2.5\n");
    expect(text).toContain("    ✗ CRITICAL CVE-2021-44906");
    expect(text).toMatch(/Affected range {2}: >=1\.0\.0\n {22}: <1\.2\.6/);
    expect(text).toMatch(/Fixed version {3}: 1\.2\.6/);
    expect(text).toMatch(/CVSS Score {6}: 9\.8/);
    expect(text).toMatch(/EPSS Score {6}: 0\.012340/);
    expect(text).toContain("    /app/node_modules/lodash/package.json");
    // critical package first, then high
    expect(text.indexOf("minimist 1.2.5")).toBeLessThan(text.indexOf("lodash 4.17.15"));
    expect(text).toContain("2 vulnerabilities found in 2 packages");
    expect(text).toMatch(/ {2}CRITICAL {2}1/);
    // the VEX-suppressed glibc finding is gone
    expect(text).not.toContain("CVE-2023-4911");
    expect(detectedLine(r)).toBe("✗ Detected 2 vulnerable packages with a total of 2 vulnerabilities");
  });

  it("--show-suppressed keeps suppressed findings, marked and not counted", () => {
    const r = sampleReport({ showSuppressed: true });
    const text = renderPackages(r);
    expect(text).toMatch(/✓ HIGH CVE-2023-4911 {2}CISA KEV {2}SUPPRESSED \(VEX not_affected/);
    expect(r.counts.high).toBe(1);
  });

  it("only-packages lists every package with counts", () => {
    const r = sampleReport();
    const all = CVES_FORMATS["only-packages"](r, {});
    expect(all).toMatch(/express\s+4\.19\.2\s+npm\s+0C {5}0H {5}0M {5}0L/);
    expect(all).toMatch(/minimist\s+1\.2\.5\s+npm\s+1C/);
    const vuln = CVES_FORMATS["only-packages"](r, { onlyVulnPackages: true });
    expect(vuln).not.toContain("express");
  });

  it("quickview row", () => {
    const q = renderQuickview([
      { label: "Your image", name: "examples/debian-app", counts: sampleReport().counts },
    ]);
    expect(q).toBe("\n  Your image  examples/debian-app  │    1C     1H     0M     0L\n");
  });
});

describe("machine formats", () => {
  it("SARIF validates against the official SARIF 2.1.0 schema", () => {
    const schema = JSON.parse(
      readFileSync(fileURLToPath(new URL("./schemas/sarif-schema-2.1.0.json", import.meta.url)), "utf8"),
    ) as object;
    const ajv = new Ajv04({ strict: false, allErrors: true });
    addFormats(ajv);
    const validate = ajv.compile(schema);
    for (const hostile of [false, true]) {
      const doc = JSON.parse(CVES_FORMATS.sarif(sampleReport({ hostile }), {})) as {
        runs: {
          tool: { driver: { rules: { id: string }[] } };
          results: { ruleId: string; ruleIndex: number }[];
        }[];
      };
      expect(validate(doc), JSON.stringify(validate.errors?.slice(0, 5))).toBe(true);
      const run = doc.runs[0]!;
      expect(run.tool.driver.rules.map((x) => x.id).sort()).toEqual(["CVE-2020-8203", "CVE-2021-44906"]);
      for (const res of run.results) expect(run.tool.driver.rules[res.ruleIndex]?.id).toBe(res.ruleId);
    }
  });

  it("SARIF rules say which kind of package they concern and take their most severe finding", () => {
    type Rule = {
      id: string;
      name: string;
      defaultConfiguration: { level: string };
      help: { text: string; markdown: string };
      properties: { "security-severity": string; tags: string[] };
    };
    type Doc = {
      runs: { tool: { driver: { rules: Rule[] } }; results: { ruleId: string; level: string }[] }[];
    };
    const r = sampleReport();
    const npmOnly = JSON.parse(CVES_FORMATS.sarif(r, {})) as Doc;
    for (const rule of npmOnly.runs[0]!.tool.driver.rules)
      expect(rule.name).toBe("LanguageSpecificPackageVulnerability");
    // The same CVE found in an OS package that its distro rates low, listed before the npm package that
    // its advisory rates high: the rule is filed as high, and its help names both packages.
    const lodash = r.findings.find((f) => f.id === "CVE-2020-8203")!;
    const libc = sampleReport({ showSuppressed: true }).findings.find((f) => f.package.name === "libc6")!;
    const inOs = {
      ...lodash,
      package: libc.package,
      fixedVersions: ["2.36-9+deb12u9"],
      severity: { rating: "low" as const, ratingSource: "debian", ratingText: "low" },
      suppressed: false,
    };
    const mixed = JSON.parse(CVES_FORMATS.sarif({ ...r, findings: [inOs, ...r.findings] }, {})) as Doc;
    const run = mixed.runs[0]!;
    const rule = run.tool.driver.rules.find((x) => x.id === "CVE-2020-8203")!;
    expect(run.tool.driver.rules.filter((x) => x.id === "CVE-2020-8203")).toHaveLength(1);
    expect(rule.name).toBe("PackageVulnerability");
    expect(rule.defaultConfiguration.level).toBe("error");
    // GHSA's HIGH rating decides (GitHub's band for it, as for any rating that no score chose)
    expect(rule.properties["security-severity"]).toBe("8.0");
    expect(rule.properties.tags).toContain("HIGH");
    expect(rule.help.text).toContain(
      `Package: ${libc.package.purl}\nPackage severity: LOW\nFixed version: 2.36-9+deb12u9`,
    );
    expect(rule.help.text).toContain(
      `Package: ${lodash.package.purl}\nPackage severity: HIGH\nFixed version: 4.17.19`,
    );
    expect(rule.help.markdown).toContain("| CVE-2020-8203 | LOW | libc6 | 2.36-9+deb12u9 |");
    expect(rule.help.markdown).toContain("| CVE-2020-8203 | HIGH | lodash | 4.17.19 |");
    // Each result keeps its own finding's level.
    const levels = run.results.filter((x) => x.ruleId === "CVE-2020-8203").map((x) => x.level);
    expect(levels).toEqual(["note", "error"]);
    const osOnly = JSON.parse(CVES_FORMATS.sarif({ ...r, findings: [inOs] }, {})) as Doc;
    const osRule = osOnly.runs[0]!.tool.driver.rules[0]!;
    expect(osRule.name).toBe("OsPackageVulnerability");
    expect(osRule.defaultConfiguration.level).toBe("note");
    expect(osRule.help.text).not.toContain("Package severity");
  });

  it("a failing SARIF document is rejected by the validator (the check can fail)", () => {
    const schema = JSON.parse(
      readFileSync(fileURLToPath(new URL("./schemas/sarif-schema-2.1.0.json", import.meta.url)), "utf8"),
    ) as object;
    const validate = new Ajv04({ strict: false }).compile(schema);
    expect(validate({ version: "2.1.0", runs: [{ results: [] }] })).toBe(false);
  });

  it("CycloneDX VEX validates against CycloneDX 1.6 and carries VEX analysis", () => {
    const validate = cycloneDx16Validator();
    const doc = JSON.parse(CVES_FORMATS.sbom(sampleReport({ hostile: true, showSuppressed: true }), {})) as {
      vulnerabilities: {
        id: string;
        analysis?: { state: string; justification?: string };
        ratings: unknown[];
      }[];
    };
    expect(validate(doc), errorsText(validate)).toBe(true);
    const glibc = doc.vulnerabilities.find((v) => v.id === "CVE-2023-4911")!;
    expect(glibc.analysis).toEqual({ state: "not_affected", justification: "code_not_reachable" });
    expect(glibc.ratings.length).toBe(2);
  });

  it("GitLab container-scanning report has the schema's required fields", () => {
    // biome-ignore lint/suspicious/noExplicitAny: walking an untyped JSON document
    const doc = JSON.parse(CVES_FORMATS.gitlab(sampleReport(), {})) as Record<string, any>;
    expect(doc.version).toMatch(/^15\./);
    expect(doc.scan.type).toBe("container_scanning");
    expect(doc.scan.start_time).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$/);
    expect(doc.scan.status).toBe("success");
    for (const k of ["analyzer", "scanner"])
      expect(Object.keys(doc.scan[k]).sort()).toEqual(
        expect.arrayContaining(["id", "name", "vendor", "version"]),
      );
    expect(doc.vulnerabilities).toHaveLength(2);
    for (const v of doc.vulnerabilities) {
      expect(v.id).toMatch(/^[0-9a-f-]{36}$/);
      expect(["Critical", "High", "Medium", "Low", "Unknown", "Info"]).toContain(v.severity);
      expect(v.identifiers.length).toBeGreaterThan(0);
      expect(v.location.dependency.package.name).toBeTruthy();
      expect(v.location.image).toBeTruthy();
      expect(v.location.operating_system).toBe("Debian GNU/Linux 12 (bookworm)");
    }
  });

  it("JSON keeps every source's rating", () => {
    const doc = JSON.parse(CVES_FORMATS.json(sampleReport(), {})) as {
      findings: {
        id: string;
        ratings: { source: string }[];
        severity: { rating: string; ratingSource: string };
      }[];
    };
    const lodash = doc.findings.find((f) => f.id === "CVE-2020-8203")!;
    expect(lodash.ratings.map((r) => r.source)).toEqual(["ghsa", "nvd"]);
    expect(lodash.severity).toMatchObject({ rating: "high", ratingSource: "ghsa" });
  });
});

describe("hostile advisory text renders safely in every format", () => {
  const formats = Object.keys(CVES_FORMATS) as CvesFormat[];
  it.each(formats)("%s", (format) => {
    const r = sampleReport({ hostile: true });
    const out = CVES_FORMATS[format](r, { details: true });
    if (process.env.DUMP === format) console.log(out.slice(0, 6000));
    // no raw control characters (JSON escapes them; text formats strip them)
    expect(out).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f]/);
    expect(out.length).toBeLessThan(60_000);
    if (format === "markdown") {
      expect(out).not.toContain("<script>");
      expect(out).toContain("&lt;script&gt;");
      expect(out).not.toMatch(/\]\(javascript:/);
    }
  });
});
