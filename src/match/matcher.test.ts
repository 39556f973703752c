import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { parseSource } from "../advisory/feeds/index.js";
import { isAdvisory } from "../advisory/feeds/types.js";
import { match } from "./matcher.js";
import { createMemoryStore } from "./memory-store.js";
import { fixedIn, pkg, record, sbomOf } from "./test-helpers.js";

const bookworm = { id: "debian", versionId: "12", codename: "bookworm" };

describe("distro matching", () => {
  // libssl3 is built from the openssl source package; Debian files advisories per source package.
  const libssl3 = pkg("deb", "libssl3", "3.0.11-1~deb12u2", { sourceName: "openssl", namespace: "debian" });

  it("matches by source package in the release namespace and honours 'fixed in'", () => {
    const store = createMemoryStore([
      record("CVE-2023-5678", "debian", [
        fixedIn("debian:12", "openssl", "3.0.13-1~deb12u1", {
          severity: { source: "debian", rating: "low", ratingText: "low" },
        }),
      ]),
      record("CVE-2023-0464", "debian", [fixedIn("debian:12", "openssl", "3.0.8-1")]),
      // another release must not leak into debian:12
      record("CVE-2099-0001", "debian", [fixedIn("debian:11", "openssl", "9.9.9-1")]),
    ]);
    const r = match(sbomOf([libssl3], bookworm), store);
    expect(r.findings.map((f) => f.id)).toEqual(["CVE-2023-5678"]);
    const f = r.findings[0]!;
    expect(f.fixedVersions).toEqual(["3.0.13-1~deb12u1"]);
    expect(f.status).toBe("fixed");
    expect(f.namespace).toBe("debian:12");
    expect(f.package.sourceName).toBe("openssl");
    expect(f.affectedRanges).toEqual(["<3.0.13-1~deb12u1"]);
  });

  it("compares the source version when the binary version differs (binNMU)", () => {
    const p = pkg("deb", "libfoo1", "1.0-1+b1", { sourceName: "foo", sourceVersion: "1.0-1" });
    const store = createMemoryStore([
      record("CVE-2020-0001", "debian", [fixedIn("debian:12", "foo", "1.0-1+deb12u1")]),
    ]);
    expect(match(sbomOf([p], bookworm), store).findings[0]?.installedVersion).toBe("1.0-1");
  });

  it("reports not-fixed, will-not-fix and postponed as vulnerable, not_affected only on request", () => {
    const open = { type: "ECOSYSTEM" as const, events: [{ introduced: "0" }] };
    const store = createMemoryStore([
      record("CVE-2024-0001", "debian", [
        { namespace: "debian:12", name: "openssl", status: "affected", ranges: [open] },
      ]),
      record("CVE-2024-0002", "debian", [
        { namespace: "debian:12", name: "openssl", status: "will_not_fix", ranges: [open] },
      ]),
      record("CVE-2024-0003", "debian", [
        { namespace: "debian:12", name: "openssl", status: "fix_deferred", ranges: [open] },
      ]),
      record("CVE-2024-0004", "debian", [
        { namespace: "debian:12", name: "openssl", status: "not_affected", ranges: [] },
      ]),
      record("CVE-2024-0005", "debian", [
        fixedIn("debian:12", "openssl", "3.0.99-1", {
          severity: { source: "debian", rating: "negligible", ratingText: "unimportant" },
        }),
      ]),
    ]);
    const r = match(sbomOf([libssl3], bookworm), store);
    expect(r.findings.map((f) => [f.id, f.status, f.fixedVersions.length])).toEqual([
      ["CVE-2024-0001", "affected", 0],
      ["CVE-2024-0002", "will_not_fix", 0],
      ["CVE-2024-0003", "fix_deferred", 0],
    ]);
    expect(r.stats.distroIgnored).toBe(2);
    const all = match(sbomOf([libssl3], bookworm), store, { includeDistroIgnored: true });
    expect(all.findings.map((f) => f.id)).toContain("CVE-2024-0004");
    expect(all.findings.map((f) => f.id)).toContain("CVE-2024-0005");
  });

  it("never falls back to upstream ranges for a distro package", () => {
    // an NVD/GHSA-style upstream record for openssl (not in the distro namespace) must not match a deb
    const store = createMemoryStore([
      record("CVE-2023-5678", "debian", [fixedIn("debian:12", "openssl", "3.0.11-1~deb12u2")]),
      record("GHSA-xxxx-yyyy-zzzz", "osv", [
        {
          namespace: "generic",
          name: "openssl",
          status: "affected",
          ranges: [{ type: "ECOSYSTEM", events: [{ introduced: "0" }, { fixed: "3.0.13" }] }],
        },
      ]),
    ]);
    expect(match(sbomOf([libssl3], bookworm), store).findings).toEqual([]);
  });

  it("warns when the snapshot has no data for the image's release", () => {
    const store = createMemoryStore([record("CVE-1", "debian", [fixedIn("debian:11", "openssl", "1")])]);
    const r = match(sbomOf([libssl3], bookworm), store);
    expect(r.findings).toEqual([]);
    expect(r.warnings.join("\n")).toMatch(/no data for debian:12/);
  });

  it("alpine uses major.minor and the origin package", () => {
    const p = pkg("apk", "libcrypto3", "3.1.1-r1", { sourceName: "openssl" });
    const store = createMemoryStore([
      record("CVE-2023-2975", "alpine", [fixedIn("alpine:3.18", "openssl", "3.1.1-r2")]),
    ]);
    const r = match(sbomOf([p], { id: "alpine", versionId: "3.18.2" }), store);
    expect(r.findings.map((f) => f.id)).toEqual(["CVE-2023-2975"]);
  });
});

describe("language matching", () => {
  const minimistRange = [{ type: "ECOSYSTEM" as const, events: [{ introduced: "0" }, { fixed: "1.2.6" }] }];

  it("evaluates OSV ranges and merges aliases into one finding keyed by the CVE", () => {
    const store = createMemoryStore([
      record(
        "GHSA-xvch-5gv4-984h",
        "osv",
        [{ namespace: "npm", name: "minimist", status: "affected", ranges: minimistRange }],
        {
          aliases: ["CVE-2021-44906"],
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
      // a second source for the same CVE must not produce a second finding
      record("CVE-2021-44906", "osv", [
        { namespace: "npm", name: "minimist", status: "affected", ranges: minimistRange },
      ]),
    ]);
    const r = match(
      sbomOf([
        pkg("npm", "minimist", "1.2.5"),
        pkg("npm", "minimist", "1.2.6", { id: "npm:minimist@1.2.6" }),
      ]),
      store,
    );
    expect(r.findings).toHaveLength(1);
    const f = r.findings[0]!;
    expect(f.id).toBe("CVE-2021-44906");
    expect(f.aliases).toEqual(["GHSA-xvch-5gv4-984h"]);
    expect(f.fixedVersions).toEqual(["1.2.6"]);
    expect(f.severity.rating).toBe("critical");
    expect(f.severity.ratingSource).toBe("ghsa");
    expect(f.advisoryIds).toEqual(["CVE-2021-44906", "GHSA-xvch-5gv4-984h"]);
  });

  it("normalises names per ecosystem (PEP 503, maven group:artifact, npm scopes)", () => {
    const rng = [{ type: "ECOSYSTEM" as const, events: [{ introduced: "0" }, { fixed: "99.0.0" }] }];
    const store = createMemoryStore([
      record("PYSEC-1", "osv", [
        { namespace: "pypi", name: "zope-interface", status: "affected", ranges: rng },
      ]),
      record("GHSA-m", "osv", [
        { namespace: "maven", name: "org.example:lib", status: "affected", ranges: rng },
      ]),
      record("GHSA-n", "osv", [{ namespace: "npm", name: "@babel/core", status: "affected", ranges: rng }]),
    ]);
    const r = match(
      sbomOf([
        pkg("pypi", "Zope.Interface", "5.0"),
        pkg("maven", "lib", "1.0", { namespace: "org.example" }),
        pkg("npm", "core", "7.0.0", { namespace: "@babel" }),
      ]),
      store,
    );
    expect(r.findings.map((f) => f.id).sort()).toEqual(["GHSA-m", "GHSA-n", "PYSEC-1"]);
  });

  it("explicit versions lists, last_affected and withdrawn records", () => {
    const store = createMemoryStore([
      record("OSV-1", "osv", [
        { namespace: "pypi", name: "a", status: "affected", ranges: [], versions: ["1.0", "1.1"] },
      ]),
      record("OSV-2", "osv", [
        {
          namespace: "pypi",
          name: "a",
          status: "affected",
          ranges: [{ type: "ECOSYSTEM", events: [{ introduced: "0" }, { last_affected: "1.0" }] }],
        },
      ]),
      record(
        "OSV-3",
        "osv",
        [{ namespace: "pypi", name: "a", status: "affected", ranges: [], versions: ["1.1"] }],
        {
          withdrawn: "2024-01-01T00:00:00Z",
        },
      ),
    ]);
    expect(match(sbomOf([pkg("pypi", "a", "1.1")]), store).findings.map((f) => f.id)).toEqual(["OSV-1"]);
    expect(match(sbomOf([pkg("pypi", "a", "1.0")]), store).findings.map((f) => f.id)).toEqual([
      "OSV-1",
      "OSV-2",
    ]);
  });

  it("leaves a language package owned by an OS package to the distro", () => {
    const store = createMemoryStore([
      record("GHSA-xvch-5gv4-984h", "osv", [
        { namespace: "npm", name: "minimist", status: "affected", ranges: minimistRange },
      ]),
    ]);
    const r = match(
      sbomOf([pkg("npm", "minimist", "1.2.5", { ownedBy: "deb:node-minimist@1.2.5+~cs5.3.2-1" })]),
      store,
    );
    expect(r.findings).toEqual([]);
    expect(r.stats.ownedByOs).toBe(1);
  });

  it("an unparseable installed version is a warning naming the package, not a crash", () => {
    const store = createMemoryStore([
      record("GHSA-xvch-5gv4-984h", "osv", [
        { namespace: "npm", name: "minimist", status: "affected", ranges: minimistRange },
      ]),
    ]);
    const r = match(sbomOf([pkg("npm", "minimist", "not a version")]), store);
    expect(r.findings).toEqual([]);
    expect(r.stats.invalidVersions).toBe(1);
    expect(r.warnings[0]).toMatch(/pkg:npm\/minimist.*not a version/);
  });
});

describe("enrichment", () => {
  it("adds NVD CVSS next to a distro rating, EPSS and KEV", () => {
    const store = createMemoryStore(
      [
        record("CVE-2023-4911", "debian", [
          fixedIn("debian:12", "glibc", "2.36-9+deb12u3", {
            severity: { source: "debian", rating: "low", ratingText: "low" },
          }),
        ]),
        record("CVE-2023-4911", "nvd", [], {
          description: "A buffer overflow was discovered in the GNU C Library's dynamic loader ld.so",
          published: "2023-10-03T18:15:10Z",
          severities: [
            {
              source: "nvd",
              rating: "high",
              cvss: [{ version: "3.1", vector: "CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H", score: 7.8 }],
            },
          ],
        }),
      ],
      {
        kev: [{ cveId: "CVE-2023-4911", dateAdded: "2023-11-21" }],
        epss: [{ cveId: "CVE-2023-4911", score: 0.5, percentile: 0.97 }],
      },
    );
    const p = pkg("deb", "libc6", "2.36-9+deb12u1", { sourceName: "glibc" });
    const f = match(sbomOf([p], bookworm), store).findings[0]!;
    expect(f.severity.rating).toBe("low");
    expect(f.severity.ratingSource).toBe("debian");
    expect(f.severity.cvss?.score).toBe(7.8);
    expect(f.severity.cvssSource).toBe("nvd");
    expect(f.kev?.dateAdded).toBe("2023-11-21");
    expect(f.epss?.percentile).toBe(0.97);
    expect(f.description).toMatch(/ld\.so/);
    expect(f.ratings.map((r) => r.source)).toEqual(["debian", "nvd"]);
  });

  it("re-matching gives the same findings; a finding edited by its caller does not leak into the next", () => {
    // Two binaries of one source hit the same advisories: one finding per advisory (GHSA and distro
    // rating, NVD facts) and one from two records merged under the CVE.
    const store = createMemoryStore([
      record(
        "CVE-2024-1111",
        "debian",
        [
          fixedIn("debian:12", "curl", "7.88.1-10+deb12u6", {
            severity: { source: "debian", rating: "medium", ratingText: "medium" },
            note: "minor issue",
          }),
        ],
        { aliases: ["DSA-5001-1"], references: ["https://example.org/a", "https://example.org/a"] },
      ),
      record("CVE-2024-1111", "nvd", [], {
        description: "curl mishandles something",
        cwes: ["CWE-787", "CWE-122"],
        references: ["https://example.org/a", "https://nvd.example/b"],
        severities: [
          { source: "nvd", rating: "high", cvss: [{ version: "3.1", vector: "CVSS:3.1/AV:N", score: 7.5 }] },
          // the same rating as the distro's: listed once
          { source: "debian", rating: "medium", ratingText: "medium" },
        ],
      }),
      record("DSA-5002-1", "debian", [fixedIn("debian:12", "curl", "7.88.1-10+deb12u5")], {
        aliases: ["CVE-2024-2222"],
      }),
      record("DLA-9-1", "debian", [fixedIn("debian:12", "curl", "7.88.1-10+deb12u7")], {
        aliases: ["CVE-2024-2222"],
      }),
    ]);
    const sbom = sbomOf(
      [
        pkg("deb", "curl", "7.88.1-10+deb12u4", { sourceName: "curl" }),
        pkg("deb", "libcurl4", "7.88.1-10+deb12u4", { sourceName: "curl" }),
      ],
      bookworm,
    );
    const first = match(sbom, store);
    const snapshot = structuredClone(first);
    expect(first.findings.map((f) => `${f.package.name} ${f.id}`)).toEqual([
      "curl CVE-2024-1111",
      "curl CVE-2024-2222",
      "libcurl4 CVE-2024-1111",
      "libcurl4 CVE-2024-2222",
    ]);
    const single = first.findings[0]!;
    expect(single.aliases).toEqual(["DSA-5001-1"]);
    expect(single.ratings.map((r) => r.source)).toEqual(["debian", "nvd"]);
    expect(single.severity).toMatchObject({ rating: "medium", cvss: { score: 7.5 }, cvssSource: "nvd" });
    expect(single.references).toEqual(["https://example.org/a", "https://nvd.example/b"]);
    expect(single.cwes).toEqual(["CWE-122", "CWE-787"]);
    expect(single.note).toBe("minor issue");
    const merged = first.findings[1]!;
    expect(merged.advisoryIds).toEqual(["DLA-9-1", "DSA-5002-1"]);
    expect(merged.aliases).toEqual(["DLA-9-1", "DSA-5002-1"]);
    expect(merged.fixedVersions).toEqual(["7.88.1-10+deb12u5", "7.88.1-10+deb12u7"]);
    // a caller (VEX, a filter, a report) may edit what it got
    for (const f of first.findings) {
      f.aliases.push("X");
      f.references.length = 0;
      f.cwes.push("CWE-0");
      f.ratings.pop();
      f.fixedVersions.push("0");
    }
    expect(match(sbom, store)).toEqual(snapshot);
  });

  it("two feeds using one advisory id do not share cached parts: each package matches as it would alone", () => {
    const open = [{ type: "ECOSYSTEM" as const, events: [{ introduced: "0" }] }];
    const records = () => [
      record(
        "GHSA-same-id-0001",
        "osv",
        [{ namespace: "npm", name: "left-pad", status: "affected", ranges: open }],
        {
          aliases: ["CVE-2024-0001"],
          references: ["https://example.org/osv"],
        },
      ),
      record(
        "GHSA-same-id-0001",
        "ghsa",
        [{ namespace: "pypi", name: "leftpad", status: "affected", ranges: open }],
        {
          aliases: ["CVE-2024-0002"],
          references: ["https://example.org/ghsa"],
        },
      ),
    ];
    const a = pkg("npm", "left-pad", "1.0.0");
    const b = pkg("pypi", "leftpad", "1.0.0");
    const shared = createMemoryStore(records());
    const together = [match(sbomOf([a]), shared).findings, match(sbomOf([b]), shared).findings];
    const alone = [
      match(sbomOf([a]), createMemoryStore(records())).findings,
      match(sbomOf([b]), createMemoryStore(records())).findings,
    ];
    expect(together).toEqual(alone);
  });
});

describe("affected ranges in findings", () => {
  it("name the interval of a multi-branch range that holds the version (real Go vulndb record)", async () => {
    const path = fileURLToPath(
      new URL("../../../shared/corpus/advisories/osv/go-vulndb.osv.jsonl.gz", import.meta.url),
    );
    const all = (await parseSource(path, {})).filter(isAdvisory);
    // GO-2023-1840 (CVE-2023-29403): stdlib, one SEMVER range: introduced 0, fixed 1.19.10,
    // introduced 1.20.0-0, fixed 1.20.5.
    const rec = all.find((r) => r.id === "GO-2023-1840")!;
    expect(rec.affected[0]!.ranges[0]!.events).toHaveLength(4);
    const store = createMemoryStore([rec]);
    const ranges = (v: string) =>
      match(sbomOf([pkg("golang", "stdlib", v)]), store).findings.map((f) => [f.id, f.affectedRanges]);
    expect(ranges("1.20.4")).toEqual([["CVE-2023-29403", [">=1.20.0-0, <1.20.5"]]]);
    expect(ranges("1.19.3")).toEqual([["CVE-2023-29403", ["<1.19.10"]]]);
    expect(ranges("1.20.5")).toEqual([]);
    // The fixes named are those above the installed version: 1.19.10 does not fix Go 1.20.4.
    const fixes = (v: string) =>
      match(sbomOf([pkg("golang", "stdlib", v)]), store).findings.map((f) => [f.fixedVersions, f.status]);
    expect(fixes("1.20.4")).toEqual([[["1.20.5"], "fixed"]]);
    expect(fixes("1.19.3")).toEqual([[["1.19.10", "1.20.5"], "fixed"]]);
    // A branch with no fix of its own is not fixed, even though an older branch is.
    const openBranch = createMemoryStore([
      record("GO-TEST-1", "osv", [
        {
          namespace: "golang",
          name: "stdlib",
          status: "fixed",
          fixedVersions: ["1.19.10"],
          ranges: [
            {
              type: "SEMVER",
              events: [{ introduced: "0" }, { fixed: "1.19.10" }, { introduced: "1.20.0-0" }],
            },
          ],
        },
      ]),
    ]);
    const f = match(sbomOf([pkg("golang", "stdlib", "1.20.4")]), openBranch).findings[0]!;
    expect([f.affectedRanges, f.fixedVersions, f.status]).toEqual([[">=1.20.0-0"], [], "affected"]);
    // A range of one interval is named whole, as before.
    const one = createMemoryStore([
      record("GHSA-x", "osv", [
        {
          namespace: "npm",
          name: "minimist",
          status: "affected",
          ranges: [{ type: "ECOSYSTEM", events: [{ introduced: "1.0.0" }, { fixed: "1.2.6" }] }],
        },
      ]),
    ]);
    expect(match(sbomOf([pkg("npm", "minimist", "1.2.5")]), one).findings[0]!.affectedRanges).toEqual([
      ">=1.0.0, <1.2.6",
    ]);
  });
});
