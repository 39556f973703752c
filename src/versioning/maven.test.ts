import { describe, expect, it } from "vitest";
import { compareMaven, maven, mavenCanonical } from "./maven.js";
import { mismatches, opOf, rowKey, vectorRows } from "./test-helpers/corpus.js";
import { InvalidVersionError } from "./types.js";

/**
 * osv-scalibr's generated Maven pairs come from sorting real version lists with Java's sort and
 * ComparableVersion, then writing "<" for every adjacent pair that is not equal — the generator
 * (semantic/generators/GenerateMavenVersions.java) never checks "<". Where ComparableVersion is not
 * transitive for a package's versions the sort leaves pairs that Maven itself orders ">". Maven
 * 3.8.7 (MANIFEST: 14734/14752), 3.9.16 and master all answer ">" on these 18 rows; so do we.
 */
const GENERATOR_ARTIFACT_ROWS = new Set(
  [
    2781, 2786, 5776, 9949, 11435, 11450, 11476, 11526, 11557, 11578, 11582, 11594, 11602, 11612, 11621,
    11687, 11748, 12642,
  ].map((n) => `maven/osv-scalibr-maven-versions-generated.tsv:${n}`),
);

/**
 * `1-1 = 1-ga-1`: osv-scalibr's Go port says equal, but Maven's ComparableVersion (3.8.7 per the
 * MANIFEST, 3.9.16 and master) parses `1-ga-1` as [1, [[1]]] after dropping the null "ga", and
 * orders 1-1 > 1-ga-1. Vigil follows Maven.
 */
const SCALIBR_NOT_MAVEN_ROWS = new Set(["maven/osv-scalibr-maven-versions.tsv:84"]);

describe("Maven versions against the corpus", () => {
  it("every row of Maven's own ComparableVersionTest, in both the 3.9 and the 4 flavours", () => {
    const rows = vectorRows("maven/maven-ComparableVersionTest.tsv");
    expect(rows).toHaveLength(99);
    expect(mismatches(rows, maven.compare)).toEqual([]);
    expect(mismatches(rows, (a, b) => compareMaven(a, b, "4"))).toEqual([]);
  });

  it("every row of osv-scalibr's Maven pairs except the listed one, which must be '>'", () => {
    const rows = vectorRows("maven/osv-scalibr-maven-versions.tsv");
    expect(rows).toHaveLength(102);
    expect(
      mismatches(
        rows.filter((r) => !SCALIBR_NOT_MAVEN_ROWS.has(rowKey(r))),
        maven.compare,
      ),
    ).toEqual([]);
    const excluded = rows.filter((r) => SCALIBR_NOT_MAVEN_ROWS.has(rowKey(r)));
    expect(excluded.map((r) => `${r.left} ${opOf(maven.compare(r.left, r.right))} ${r.right}`)).toEqual([
      "1-1 > 1-ga-1",
    ]);
  });

  it("every row of osv-scalibr's generated Maven pairs except the 18 generator artifacts, which must be '>'", () => {
    const rows = vectorRows("maven/osv-scalibr-maven-versions-generated.tsv");
    expect(rows).toHaveLength(14752);
    expect(
      mismatches(
        rows.filter((r) => !GENERATOR_ARTIFACT_ROWS.has(rowKey(r))),
        maven.compare,
      ),
    ).toEqual([]);
    const excluded = rows.filter((r) => GENERATOR_ARTIFACT_ROWS.has(rowKey(r)));
    expect(excluded).toHaveLength(18);
    for (const r of excluded)
      expect(`${rowKey(r)} ${opOf(maven.compare(r.left, r.right))}`).toBe(`${rowKey(r)} >`);
  });
});

describe("Maven parsing", () => {
  it("qualifier order and aliases", () => {
    const order = [
      "1-alpha-1",
      "1-beta-1",
      "1-milestone-1",
      "1-rc-1",
      "1-SNAPSHOT",
      "1",
      "1-sp-1",
      "1-foo",
      "1.1",
    ];
    for (let i = 1; i < order.length; i++)
      expect(`${order[i - 1]} ${maven.compare(order[i - 1]!, order[i]!)}`).toBe(`${order[i - 1]} -1`);
    expect(maven.compare("1-cr-1", "1-rc-1")).toBe(0);
    expect(maven.compare("1.0-ga", "1")).toBe(0);
    expect(maven.compare("1.0.FINAL", "1.0.release")).toBe(0);
    expect(maven.compare("1a1", "1-alpha-1")).toBe(0);
    expect(maven.compare("2.0-SNAPSHOT", "2.0")).toBe(-1);
  });

  it("canonical forms", () => {
    expect(mavenCanonical("1.0.0")).toBe("1");
    expect(mavenCanonical("1-1.foo-bar1baz-.1")).toBe("1-1.foo-bar-1-baz-0.1");
    expect(mavenCanonical("1.0-RC1")).toBe("1-rc-1");
  });

  it("numbers beyond 64 bits", () => {
    expect(maven.compare("1.99999999999999999999", "1.100000000000000000000")).toBe(-1);
  });

  it.each([[""], [" "], ["1.0 beta"], ["1.0\u0000"], ["9".repeat(1025)]])("rejects %j", (v) => {
    expect(() => maven.parse(v)).toThrow(InvalidVersionError);
    expect(maven.isValid(v)).toBe(false);
  });
});
