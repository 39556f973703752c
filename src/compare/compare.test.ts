import { describe, expect, it } from "vitest";
import type { Finding } from "../match/types.js";
import type { Package, Sbom } from "../sbom/model.js";
import { comparePair, exitOnTriggered } from "./compare.js";

const pkg = (type: Package["type"], name: string, version: string): Package => ({
  id: `${type}:${name}@${version}`,
  type,
  name,
  version,
  purl: `pkg:${type}/${name}@${version}`,
  locations: [],
  foundBy: "test",
});
const sbom = (packages: Package[], env: string[] = []): Sbom => ({
  schemaVersion: "1.0",
  generator: { name: "vigil", version: "t", indexerVersion: "t" },
  createdAt: "2024-01-01T00:00:00Z",
  image: { reference: "x", layers: [], env },
  packages,
});
const finding = (p: Package, id: string, rating: Finding["severity"]["rating"]): Finding => ({
  id,
  aliases: [],
  package: { id: p.id, purl: p.purl, type: p.type, name: p.name, version: p.version, locations: [] },
  installedVersion: p.version,
  fixedVersions: [],
  status: "affected",
  affectedRanges: [],
  namespace: p.type,
  sources: [],
  advisoryIds: [id],
  ratings: [],
  severity: { rating },
  references: [],
  cwes: [],
});

describe("comparePair", () => {
  // real version orders: deb 1.1.1n-0+deb11u5 > 1.1.1n-0+deb11u4; semver 4.17.21 > 4.17.15
  const oldSsl = pkg("deb", "openssl", "1.1.1n-0+deb11u4");
  const newSsl = pkg("deb", "openssl", "1.1.1n-0+deb11u5");
  const oldLodash = pkg("npm", "lodash", "4.17.21");
  const newLodash = pkg("npm", "lodash", "4.17.15");
  const gone = pkg("deb", "tzdata", "2024a-0+deb11u1");
  const added = pkg("npm", "minimist", "1.2.5");
  const a = {
    sbom: sbom([newSsl, newLodash, added], ["A=1"]),
    findings: [
      finding(newLodash, "CVE-2020-28500", "medium"),
      finding(newLodash, "CVE-2020-8203", "high"),
      finding(added, "CVE-2021-44906", "critical"),
    ],
  };
  const b = {
    sbom: sbom([oldSsl, oldLodash, gone], ["B=2"]),
    findings: [finding(oldSsl, "CVE-2023-0286", "high")],
  };
  const r = comparePair(a, b);

  it("classifies packages with each ecosystem's version order", () => {
    const change = Object.fromEntries(r.packages.map((p) => [p.key, p.change]));
    expect(change).toEqual({
      "deb:openssl": "upgraded",
      "npm:lodash": "downgraded",
      "deb:tzdata": "removed",
      "npm:minimist": "added",
    });
    expect(r.summary).toMatchObject({ added: 1, removed: 1, upgraded: 1, downgraded: 1, unchanged: 0 });
  });

  it("lists vulnerabilities added (most severe first) and removed, and the delta", () => {
    const lodash = r.packages.find((p) => p.key === "npm:lodash")!;
    expect(lodash.addedVulns.map((f) => f.id)).toEqual(["CVE-2020-8203", "CVE-2020-28500"]);
    expect(r.vulnerabilities.removed.map((f) => f.id)).toEqual(["CVE-2023-0286"]);
    expect(r.delta).toEqual({ critical: 1, high: 0, medium: 1, low: 0, unspecified: 0 });
    expect(r.env).toEqual({ added: ["A=1"], removed: ["B=2"] });
  });

  it("decides --exit-on conditions", () => {
    expect(exitOnTriggered(r, ["vulnerability", "package"])).toEqual(["vulnerability", "package"]);
    const same = comparePair(b, b);
    expect(exitOnTriggered(same, ["vulnerability", "package"])).toEqual([]);
  });
});
