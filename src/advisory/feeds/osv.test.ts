import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import type { AdvisoryRecord } from "../types.js";
import { parseSource } from "./index.js";
import { osvToRecord } from "./osv.js";
import { isAdvisory } from "./types.js";

const ADV = fileURLToPath(new URL("../../../../shared/corpus/advisories/", import.meta.url));

async function records(path: string, skipped?: string[]): Promise<AdvisoryRecord[]> {
  return (await parseSource(path, { skipped })).filter(isAdvisory);
}

describe("OSV feed on the real corpus", () => {
  it("reads all 4291 Go vulndb records from JSON lines (gz)", async () => {
    const skipped: string[] = [];
    const recs = await records(`${ADV}osv/go-vulndb.osv.jsonl.gz`, skipped);
    expect(recs).toHaveLength(4291);
    expect(skipped).toEqual([]);
    expect(recs.every((r) => r.id.startsWith("GO-"))).toBe(true);
    expect(recs.filter((r) => r.withdrawn).length).toBe(17);
    const nsSet = new Set(recs.flatMap((r) => r.affected.map((a) => a.namespace)));
    expect([...nsSet]).toEqual(["golang"]);
  });

  it("reads all 1206 RustSec records with CVSS v3 and v4 scored", async () => {
    const recs = await records(`${ADV}osv/rustsec-crates.osv.jsonl.gz`);
    expect(recs).toHaveLength(1206);
    const first = recs.find((r) => r.id === "RUSTSEC-2016-0001")!;
    expect(first.affected[0]).toMatchObject({
      namespace: "cargo",
      name: "openssl",
      status: "fixed",
      fixedVersions: ["0.9.0"],
    });
    const cv = first.severities[0]!.cvss![0]!;
    expect(cv).toMatchObject({ version: "3.0", score: 8.1 });
    const v4 = recs
      .flatMap((r) => r.severities.flatMap((s) => s.cvss ?? []))
      .filter((c) => c.version === "4.0");
    expect(v4.length).toBeGreaterThanOrEqual(57);
    expect(v4.every((c) => c.score >= 0 && c.score <= 10)).toBe(true);
    // informational advisories carry an all-"None" v4 vector, which scores 0
    const zero = v4.filter((c) => c.score === 0);
    expect(zero.length).toBe(3);
    expect(zero.every((c) => /VC:N\/VI:N\/VA:N\/SC:N\/SI:N\/SA:N$/.test(c.vector))).toBe(true);
  });

  it("reads the 2661 PyPA YAML files from the tarball and the same 2661 from JSON lines", async () => {
    const yaml = await records(`${ADV}osv/pypa-advisory-database-vulns.yaml.tar.gz`);
    const jsonl = await records(`${ADV}osv/pypa-advisory-database.osv.jsonl.gz`);
    expect(yaml).toHaveLength(2661);
    expect(jsonl).toHaveLength(2661);
    expect(new Set(yaml.map((r) => r.id))).toEqual(new Set(jsonl.map((r) => r.id)));
    expect(yaml.every((r) => r.affected.every((a) => a.namespace === "pypi"))).toBe(true);
    // PEP 503 names: lower case, runs of -_. collapsed to "-".
    expect(jsonl.flatMap((r) => r.affected.map((a) => a.name)).every((n) => /^[a-z0-9-]+$/.test(n))).toBe(
      true,
    );
  });

  it("keeps the three log4j ranges of GHSA-jfh8-c2jp-5v3q and GHSA's rating", async () => {
    const recs = await records(`${ADV}osv/ghsa-sample`);
    expect(recs).toHaveLength(7);
    const log4j = recs.find((r) => r.id === "GHSA-jfh8-c2jp-5v3q")!;
    expect(log4j.aliases).toEqual(["CVE-2021-44228"]);
    expect(log4j.affected).toHaveLength(3);
    expect(log4j.affected.map((a) => a.name)).toEqual(Array(3).fill("org.apache.logging.log4j:log4j-core"));
    expect(log4j.affected.map((a) => a.ranges[0]!.events)).toEqual([
      [{ introduced: "2.13.0" }, { fixed: "2.15.0" }],
      [{ introduced: "0" }, { fixed: "2.3.1" }],
      [{ introduced: "2.4" }, { fixed: "2.12.2" }],
    ]);
    expect(log4j.affected.map((a) => a.fixedVersions)).toEqual([["2.15.0"], ["2.3.1"], ["2.12.2"]]);
    expect(log4j.severities[0]).toMatchObject({ source: "ghsa", rating: "critical", ratingText: "CRITICAL" });
    expect(log4j.severities[0]!.cvss![0]).toMatchObject({ version: "3.1", score: 10 });
    expect(log4j.cwes).toContain("CWE-502");
    const spring = recs.find((r) => r.id === "GHSA-36p3-wjmg-h94x")!;
    expect(spring.affected).toHaveLength(10);
    const lodash = recs.find((r) => r.id === "GHSA-p6mc-m468-83gw")!;
    expect(lodash.affected.map((a) => a.name).sort()).toEqual(["lodash", "lodash-es"]);
    expect(lodash.affected.every((a) => a.namespace === "npm")).toBe(true);
  });

  it("maps distro ecosystems to namespaces (Debian, Ubuntu Pro, Chainguard, Wolfi)", async () => {
    const dsa = await records(`${ADV}osv-distro-samples/osv.dev-worker-testdata/DSA-3029-1.json`);
    expect(dsa[0]!.affected[0]).toMatchObject({
      namespace: "debian:7",
      name: "nginx",
      fixedVersions: ["1.2.1-2.2+wheezy3"],
    });
    const ubuntu = await records(
      `${ADV}osv-distro-samples/osv.dev-worker-testdata/UBUNTU-CVE-2025-38094.json`,
    );
    expect(ubuntu[0]!.affected[0]!.namespace).toBe("ubuntu:14.04");
    expect(ubuntu[0]!.affected[0]!.versions!.length).toBeGreaterThan(50);
    expect(ubuntu[0]!.aliases).toContain("CVE-2025-38094");
    expect(ubuntu[0]!.severities).toContainEqual({
      source: "ubuntu",
      ratingText: "medium",
      rating: "medium",
    });
    const cga = await records(`${ADV}alpine/chainguard-sample/test-fixtures/input/osv`);
    expect(cga).toHaveLength(3); // all.json is an index, not an OSV record
    const one = cga.find((r) => r.id === "CGA-224q-ccj5-2p53")!;
    expect(one.affected.map((a) => a.namespace)).toEqual(["chainguard", "chainguard", "wolfi", "wolfi"]);
    expect(one.aliases).toEqual(["CVE-2025-32464", "GHSA-frg5-h47x-75j9"]);
  });
});

describe("Ubuntu OSV (UBUNTU-CVE, USN, ESM)", () => {
  it("reads the 9 Ubuntu OSV records of the corpus; OpenVEX and tracker text are not mistaken for OSV", async () => {
    const skipped: string[] = [];
    const recs = await records(`${ADV}ubuntu/vunnel-sample/test-fixtures`, skipped);
    expect(recs.map((r) => r.id).sort()).toEqual([
      "UBUNTU-CVE-2013-2208",
      "UBUNTU-CVE-2014-2901",
      "UBUNTU-CVE-2014-9913",
      "UBUNTU-CVE-2016-20013",
      "UBUNTU-CVE-2020-36325",
      "UBUNTU-CVE-2021-3782",
      "UBUNTU-CVE-2022-24823",
      "UBUNTU-CVE-2026-1403",
      "USN-5614-1",
    ]);
    expect(skipped).toEqual([]);
    const usn = recs.find((r) => r.id === "USN-5614-1")!;
    expect([...new Set(usn.affected.map((a) => a.namespace))]).toEqual([
      "ubuntu:18.04",
      "ubuntu:20.04",
      "ubuntu:22.04",
    ]);
  });
});

describe("OSV bad input", () => {
  it("skips malformed records with a reason and bounds hostile strings", () => {
    expect(osvToRecord(null)).toBe("not an object");
    expect(osvToRecord({ modified: "x" })).toBe("missing id");
    expect(osvToRecord({ id: "X-1", affected: "nope" })).toMatch(/not a list/);
    const r = osvToRecord({
      id: "X-2\u0000",
      details: `<script>${"A".repeat(200_000)}'; DROP TABLE advisories; --`,
      affected: [
        {
          package: { ecosystem: "PyPI", name: "Foo_Bar.baz" },
          ranges: [{ type: "ECOSYSTEM", events: [{ introduced: "0" }, { fixed: 1 }] }],
        },
      ],
      severity: [{ type: "CVSS_V3", score: "CVSS:3.1/AV:N" }],
    }) as AdvisoryRecord;
    expect(r.id).toBe("X-2");
    expect(r.description!.length).toBeLessThan(70 * 1024);
    expect(r.description!.startsWith("<script>")).toBe(true);
    expect(r.affected[0]!.name).toBe("foo-bar-baz");
    expect(r.affected[0]!.ranges[0]!.events).toEqual(
      [{ introduced: "0" }, {}].filter((e) => Object.keys(e).length),
    );
    expect(r.severities).toEqual([]); // an incomplete vector is not scored
  });
});
