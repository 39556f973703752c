import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import type { AdvisoryRecord, EpssEntry, KevEntry } from "../types.js";
import { parseSource } from "./index.js";
import { nvdFeed } from "./nvd.js";
import { isAdvisory, isEpss, isKev } from "./types.js";

const ADV = fileURLToPath(new URL("../../../../shared/corpus/advisories/", import.meta.url));

describe("Alpine secdb", () => {
  it("reads the whole legacy YAML secdb v3.3–v3.11 (18 files, 12028 fixes, 2479 CVEs)", async () => {
    const skipped: string[] = [];
    const recs = (await parseSource(`${ADV}alpine/alpine-secdb-v3.3-v3.11.yaml.tar.gz`, { skipped })).filter(
      isAdvisory,
    );
    expect(recs).toHaveLength(12028);
    expect(new Set(recs.map((r) => r.id)).size).toBe(2479);
    expect(recs.filter((r) => r.affected[0]!.status === "not_affected")).toHaveLength(5);
    const ns = new Set(recs.map((r) => r.affected[0]!.namespace));
    expect([...ns].sort()).toEqual(
      ["3.10", "3.11", "3.3", "3.4", "3.5", "3.6", "3.7", "3.8", "3.9"].map((v) => `alpine:${v}`),
    );
    const ansible = recs.find(
      (r) => r.id === "ALPINE-CVE-2019-14904" && r.affected[0]!.namespace === "alpine:3.11",
    )!;
    expect(ansible.affected[0]).toMatchObject({
      name: "ansible",
      status: "fixed",
      fixedVersions: ["2.9.3-r0"],
    });
    expect(skipped).toEqual([]);
  });

  it("reads secdb JSON (v3.11, v3.12, edge) and the Wolfi/Chainguard/MinimOS/SecureOS variants", async () => {
    const recs = (await parseSource(`${ADV}alpine/vuln-list-update-testdata`)).filter(isAdvisory);
    expect(recs.find((r) => r.id === "ALPINE-CVE-2018-1333")!.affected[0]).toMatchObject({
      namespace: "alpine:3.11",
      name: "apache2",
      fixedVersions: ["2.4.34-r0"],
    });
    expect(recs.some((r) => r.affected[0]!.namespace === "alpine:edge")).toBe(true);
    const wolfi = (await parseSource(`${ADV}alpine/wolfi-secdb-sample`)).filter(isAdvisory);
    expect(wolfi.every((r) => r.id.startsWith("WOLFI-") && r.affected[0]!.namespace === "wolfi")).toBe(true);
    expect(wolfi.find((r) => r.id === "WOLFI-GHSA-jq35-85cj-fj4p")!.aliases).toEqual(["GHSA-jq35-85cj-fj4p"]);
    expect(wolfi.find((r) => r.id === "WOLFI-CVE-2022-38126")!.affected[0]!.fixedVersions).toEqual([
      "2.39-r1",
    ]);
    const cg = (await parseSource(`${ADV}alpine/chainguard-sample/test-fixtures/input/secdb`)).filter(
      isAdvisory,
    );
    expect(cg.length).toBeGreaterThan(0);
    expect(cg.every((r) => r.affected[0]!.namespace === "chainguard")).toBe(true);
    const sec = (await parseSource(`${ADV}alpine/secureos-secdb-sample`)).filter(isAdvisory);
    const busybox = sec.find((r) => r.id === "SECUREOS-CVE-2025-46394")!;
    expect(busybox.affected[0]).toMatchObject({
      namespace: "secureos",
      name: "busybox",
      status: "not_affected",
    });
    const mini = (await parseSource(`${ADV}alpine/minimos-secdb-sample`)).filter(isAdvisory);
    expect(mini.every((r) => r.affected[0]!.namespace === "minimos")).toBe(true);
  });
});

describe("NVD", () => {
  it("reads the 669 CVE_Items of the NVD 1.1 feed excerpt with v3/v2 scores", async () => {
    const skipped: string[] = [];
    const recs = (await parseSource(`${ADV}nvd/osv.dev-nvdcve-1.1-test-data.json.gz`, { skipped })).filter(
      isAdvisory,
    );
    expect(recs).toHaveLength(669);
    expect(skipped).toEqual([]);
    const r = recs.find((x) => x.id === "CVE-2022-0090")!;
    expect(r.cwes).toEqual(["CWE-269"]);
    expect(r.severities[0]!.source).toBe("nvd");
    expect(r.severities[0]!.cvss!.map((c) => c.version).sort()).toEqual(["2.0", "3.1"]);
    // every stated score agrees with the computed one in this real data, or is flagged
    const all = recs.flatMap((x) => x.severities.flatMap((s) => s.cvss ?? []));
    expect(all.length).toBe(recs.reduce((n, x) => n + (x.severities[0]?.cvss?.length ?? 0), 0));
    expect(all.length).toBeGreaterThan(300);
    expect(all.filter((c) => c.computedScore !== undefined).length).toBeLessThan(all.length / 20);
  });

  it("reads API 2.0 pages: metrics by source, CWE, CPE configurations", async () => {
    const page = (await parseSource(`${ADV}nvd/vunnel-sample/test-fixtures/full-page.json`)).filter(
      isAdvisory,
    );
    expect(page).toHaveLength(38);
    const webp = (await parseSource(`${ADV}nvd/osv.dev-nvdcve-2.0/CVE-2023-4863.json`)).filter(
      isAdvisory,
    )[0]!;
    expect(webp.id).toBe("CVE-2023-4863");
    expect(webp.cwes).toEqual(["CWE-787"]);
    expect(webp.severities[0]).toMatchObject({
      source: "nvd",
      rating: "high",
      cvss: [{ version: "3.1", score: 8.8, vector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:U/C:H/I:H/A:H" }],
    });
    expect(webp.affected.find((a) => a.name === "google:chrome")).toMatchObject({
      namespace: "nvd",
      fixedVersions: ["116.0.5845.187"],
    });
    expect(webp.affected.find((a) => a.name === "debian:debian_linux")!.versions).toEqual(["10.0"]);
    const all = (await parseSource(`${ADV}nvd/osv.dev-nvdcve-2.0`)).filter(isAdvisory);
    expect(all).toHaveLength(23);
  });

  it("flags a stated score that disagrees with the vector, and skips entries without an id", async () => {
    const doc = {
      format: "NVD_CVE",
      vulnerabilities: [
        {
          cve: {
            id: "CVE-2099-1",
            vulnStatus: "Rejected",
            lastModified: "2024-01-01T00:00:00.000",
            metrics: {
              cvssMetricV31: [
                {
                  source: "cna@example.com",
                  cvssData: {
                    vectorString: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
                    baseScore: 5.0,
                    baseSeverity: "MEDIUM",
                  },
                },
              ],
            },
          },
        },
        { cve: { descriptions: [] } },
      ],
    };
    const skipped: string[] = [];
    const out: AdvisoryRecord[] = [];
    for await (const r of nvdFeed.parse(
      { name: "x.json", data: Buffer.from(JSON.stringify(doc)) },
      { skip: (n) => void skipped.push(n) },
    ))
      out.push(r as AdvisoryRecord);
    expect(out[0]!.severities[0]).toMatchObject({
      source: "cna@example.com",
      cvss: [{ score: 5, computedScore: 9.8 }],
    });
    expect(out[0]!.withdrawn).toBe("2024-01-01T00:00:00.000Z");
    expect(skipped).toEqual(["x.json#vulnerabilities[1]"]);
  });

  it("marks NVD 1.1 entries whose description says ** REJECT ** as withdrawn, and keeps the others", async () => {
    const item = (id: string, text: string) => ({
      cve: {
        CVE_data_meta: { ID: id },
        description: { description_data: [{ lang: "en", value: text }] },
        problemtype: { problemtype_data: [] },
        references: { reference_data: [] },
      },
      publishedDate: "2020-01-02T00:00Z",
      lastModifiedDate: "2021-03-04T00:00Z",
      impact: {},
      configurations: { nodes: [] },
    });
    const doc = {
      CVE_data_type: "CVE",
      CVE_data_format: "MITRE",
      CVE_Items: [
        item("CVE-2020-0001", "** REJECT ** DO NOT USE THIS CANDIDATE NUMBER."),
        item("CVE-2020-0002", "A real flaw."),
      ],
    };
    const out: AdvisoryRecord[] = [];
    for await (const r of nvdFeed.parse(
      { name: "nvdcve-1.1-x.json", data: Buffer.from(JSON.stringify(doc)) },
      { skip: () => {} },
    ))
      out.push(r as AdvisoryRecord);
    expect(out.map((r) => r.id)).toEqual(["CVE-2020-0001", "CVE-2020-0002"]);
    expect(out[0]!.withdrawn).toBe(out[0]!.modified);
    expect(out[0]!.modified).toMatch(/^2021-03-04/);
    expect(out[1]!.withdrawn).toBeUndefined();
    expect(out[1]!.description).toBe("A real flaw.");
  });
});

describe("KEV and EPSS", () => {
  it("reads the full KEV catalog (1404 entries)", async () => {
    const kev = (await parseSource(`${ADV}kev/known_exploited_vulnerabilities.json.gz`)).filter(
      isKev,
    ) as KevEntry[];
    expect(kev).toHaveLength(1404);
    expect(kev[0]).toMatchObject({
      cveId: "CVE-2025-48384",
      dateAdded: "2025-08-25",
      vendor: "Git",
      dueDate: "2025-09-15",
    });
  });

  it("reads EPSS CSV with its model/date comment; a bad header skips the file", async () => {
    const e = (await parseSource(`${ADV}epss/vunnel-sample/test-fixtures/example-1.csv`)).filter(
      isEpss,
    ) as EpssEntry[];
    expect(e).toEqual([
      { cveId: "CVE-1999-0001", score: 0.00383, percentile: 0.73075, date: "2025-02-20" },
      { cveId: "CVE-1999-0002", score: 0.01328, percentile: 0.85996, date: "2025-02-20" },
      { cveId: "CVE-1999-0003", score: 0.04409, percentile: 0.9244, date: "2025-02-20" },
      { cveId: "CVE-1999-0004", score: 0.00917, percentile: 0.82963, date: "2025-02-20" },
      { cveId: "CVE-1999-0005", score: 0.91963, percentile: 0.99214, date: "2025-02-20" },
    ]);
    const noDate = (await parseSource(`${ADV}epss/vunnel-sample/test-fixtures/missing-date.csv`)).filter(
      isEpss,
    );
    expect(noDate[0]).toEqual({ cveId: "CVE-1999-0001", score: 0.00383, percentile: 0.73075 });
    const skipped: string[] = [];
    expect(
      await parseSource(`${ADV}epss/vunnel-sample/test-fixtures/invalid-header.csv`, { skipped }),
    ).toEqual([]);
    expect(skipped[0]).toMatch(/unexpected EPSS header/);
  });
});
