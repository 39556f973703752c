import { describe, expect, it } from "vitest";
import { deb, parseDeb } from "./deb.js";
import { corpusLines, mismatches, vectorRows } from "./test-helpers/corpus.js";
import { InvalidVersionError } from "./types.js";

/**
 * apt-compareversion.tsv rows that dpkg itself rejects: a lone "-" has an empty upstream part and
 * an empty revision ("revision number is empty"). APT's own test compares these fragments with its
 * internal comparator; dpkg --compare-versions fails on them (MANIFEST: 68/72 agree). Vigil follows
 * dpkg, so these rows must THROW InvalidVersionError rather than be compared.
 */
const DPKG_REJECTS = new Set([
  "debian/apt-compareversion.tsv:5", // -	<	.
  "debian/apt-compareversion.tsv:6", // p	<	-
  "debian/apt-compareversion.tsv:7", // a	<	-
  "debian/apt-compareversion.tsv:8", // z	<	-
]);

describe("deb versions against the corpus", () => {
  for (const file of [
    "debian/dpkg.tsv",
    "debian/go-deb-version.tsv",
    "debian/apt-compareversion.tsv",
    "debian/osv-scalibr-debian-versions.tsv",
    "debian/osv-scalibr-debian-versions-generated.tsv",
  ]) {
    it(`every row of ${file}`, () => {
      const rows = vectorRows(file);
      expect(rows.length).toBeGreaterThan(10);
      expect(mismatches(rows, deb.compare, DPKG_REJECTS)).toEqual([]);
    });
  }

  it("every row of dpkg's own Dpkg_Version.t data table (a b -1|0|1)", () => {
    const lines = corpusLines("debian/dpkg-Dpkg_Version.t.DATA.txt").filter(
      (l) => l.trim() && !l.startsWith("#"),
    );
    expect(lines).toHaveLength(43);
    for (const l of lines) {
      const [a, b, want] = l.trim().split(/\s+/);
      expect(`${a} ${b} ${Math.sign(deb.compare(a!, b!))}`).toBe(`${a} ${b} ${Number(want)}`);
    }
  });

  it("the excluded apt rows really are the four dpkg rejects", () => {
    const rows = vectorRows("debian/apt-compareversion.tsv").filter((r) =>
      DPKG_REJECTS.has(`${r.file}:${r.line}`),
    );
    expect(rows.map((r) => `${r.left} ${r.op} ${r.right}`)).toEqual(["- < .", "p < -", "a < -", "z < -"]);
  });
});

describe("deb parsing", () => {
  it("splits epoch, upstream and revision", () => {
    expect(parseDeb("1:2.3-4ubuntu1")).toMatchObject({ epoch: 1, upstream: "2.3", revision: "4ubuntu1" });
    expect(parseDeb("7:1-a:b-5")).toMatchObject({ epoch: 7, upstream: "1-a:b", revision: "5" });
    expect(parseDeb(" 9:1.18.37:4.3-22")).toMatchObject({ epoch: 9, upstream: "1.18.37:4.3" });
  });

  it("keeps dpkg's warnings but still compares", () => {
    expect(parseDeb("III-alpha9.8").warnings).toContain("version number does not start with digit");
    expect(parseDeb("2.2.4-47978_Debian_lenny").warnings).toContain("invalid character in revision number");
    expect(deb.isValid("a")).toBe(true);
  });

  it.each([
    ["", "version string is empty"],
    ["   ", "version string is empty"],
    ["1.0 2", "embedded spaces"],
    [":1.0", "epoch in version is empty"],
    ["a:1.0", "epoch in version is not number"],
    ["-1:1.0", "epoch in version is not number"],
    ["99999999999:1.0", "epoch in version is too big"],
    ["1:", "nothing after colon"],
    ["1.0-", "revision number is empty"],
    ["-1", "version number is empty"],
    ["1\u00000", "control characters"],
    ["1".repeat(2000), "longer than"],
  ])("rejects %j (%s)", (v, reason) => {
    expect(() => parseDeb(v)).toThrow(InvalidVersionError);
    expect(() => parseDeb(v)).toThrow(reason);
    expect(deb.isValid(v)).toBe(false);
    expect(() => deb.compare(v, "1.0")).toThrow(InvalidVersionError);
    expect(() => deb.compare("1.0", v)).toThrow(InvalidVersionError);
  });

  it("names the scheme and the version in the error", () => {
    expect(() => parseDeb("1.0-")).toThrow('invalid deb version "1.0-": revision number is empty');
  });
});
