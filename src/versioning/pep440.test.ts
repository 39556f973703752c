import { explain, compare as libraryCompare } from "@renovatebot/pep440";
import { describe, expect, it } from "vitest";
import { pep440, pep440EqualityKey, plainRelease } from "./pep440.js";
import { corpusLines, mismatches, rowKey, vectorRows } from "./test-helpers/corpus.js";
import { InvalidVersionError } from "./types.js";

/**
 * osv-scalibr's PyPI pairs include 80 rows with a side that is not a PEP 440 version (pypa/packaging
 * 26.2 raises InvalidVersion on it: "0.1-bulbasaur", "2013-01-21T20:33:09+0100", "0.3m1", "trunk",
 * "4.11-final", ...; osv-scalibr orders them with a legacy fallback). Vigil follows packaging: these
 * rows must throw InvalidVersionError. Listed by line number.
 */
const NOT_PEP440_ROWS = new Set([
  ...[27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37].map((n) => `pypi/osv-scalibr-pypi-versions.tsv:${n}`),
  ...[
    525, 526, 527, 528, 529, 530, 531, 532, 1994, 4222, 4223, 4909, 4910, 4911, 4912, 4913, 4914, 4915, 4916,
    4917, 4918, 4919, 4920, 4921, 4922, 4923, 4924, 5367, 7249, 7250, 7251, 7252, 7253, 7254, 7255, 7256,
    7257, 7258, 7542, 8716, 9328, 9329, 9330, 9331, 9332, 9333, 9334, 9335, 9336, 9337, 9338, 9339, 9340,
    9341, 9342, 9343, 9344, 9345, 9346, 9347, 9348, 11207, 11234, 11235, 11248, 11424, 11759, 11871, 11872,
  ].map((n) => `pypi/osv-scalibr-pypi-versions-generated.tsv:${n}`),
]);

describe("PEP 440 against the corpus", () => {
  it("the plain-release fast path builds exactly what the library's explain() does", () => {
    const versions = new Set<string>(["0", "1.0", "01.002.0", "2.31.0", "10.0.0.0.1", "999999999999999"]);
    for (const file of ["pypi/osv-scalibr-pypi-versions-generated.tsv", "pypi/packaging-VERSIONS-sorted.tsv"])
      for (const r of vectorRows(file)) for (const v of [r.left, r.right]) versions.add(v);
    let plain = 0;
    for (const v of versions) {
      const fast = plainRelease(v);
      if (!fast) continue;
      plain++;
      expect(fast, v).toEqual(explain(v));
    }
    expect(plain).toBeGreaterThan(100);
    // not plain: left to the library
    for (const v of ["1.0rc1", "1!2.0", "1.0.post1", "1.0+local", "v1.0", " 1.0", "1.0.", "1..0"])
      expect(plainRelease(v), v).toBeUndefined();
  });

  for (const file of [
    "pypi/packaging-VERSIONS-sorted.tsv",
    "pypi/packaging-normalized-equal.tsv",
    "pypi/osv-scalibr-pypi-versions.tsv",
    "pypi/osv-scalibr-pypi-versions-generated.tsv",
  ]) {
    it(`every row of ${file}`, () => {
      const rows = vectorRows(file);
      expect(rows.length).toBeGreaterThan(30);
      expect(mismatches(rows, pep440.compare, NOT_PEP440_ROWS)).toEqual([]);
    });
  }

  it("the excluded rows are exactly 80, and each has a side packaging rejects", () => {
    expect(NOT_PEP440_ROWS.size).toBe(80);
    const rows = [
      ...vectorRows("pypi/osv-scalibr-pypi-versions.tsv"),
      ...vectorRows("pypi/osv-scalibr-pypi-versions-generated.tsv"),
    ].filter((r) => NOT_PEP440_ROWS.has(rowKey(r)));
    expect(rows).toHaveLength(80);
    for (const r of rows) expect(pep440.isValid(r.left) && pep440.isValid(r.right)).toBe(false);
  });

  it("every string of packaging's invalid-version list is rejected", () => {
    const lines = corpusLines("pypi/packaging-invalid-versions.txt");
    expect(lines).toHaveLength(20);
    for (const v of lines) {
      expect(`${v} ${pep440.isValid(v)}`).toBe(`${v} false`);
      expect(() => pep440.parse(v)).toThrow(InvalidVersionError);
    }
  });

  it("our cmpkey ordering agrees with the library's compare on every valid corpus pair", () => {
    const rows = [
      ...vectorRows("pypi/packaging-VERSIONS-sorted.tsv"),
      ...vectorRows("pypi/packaging-normalized-equal.tsv"),
      ...vectorRows("pypi/osv-scalibr-pypi-versions-generated.tsv"),
    ].filter((r) => pep440.isValid(r.left) && pep440.isValid(r.right));
    expect(rows.length).toBeGreaterThan(12000);
    const bad = rows.filter(
      (r) => pep440.compare(r.left, r.right) !== Math.sign(libraryCompare(r.left, r.right)),
    );
    expect(bad).toEqual([]);
  });

  it("equality keys agree with compare on every valid corpus version pair", () => {
    const versions = new Set<string>();
    const rows = [
      ...vectorRows("pypi/packaging-VERSIONS-sorted.tsv"),
      ...vectorRows("pypi/packaging-normalized-equal.tsv"),
      ...vectorRows("pypi/osv-scalibr-pypi-versions-generated.tsv"),
    ].filter((r) => pep440.isValid(r.left) && pep440.isValid(r.right));
    for (const r of rows) {
      versions.add(r.left);
      versions.add(r.right);
      expect(`${r.left} ${r.right} ${pep440EqualityKey(r.left) === pep440EqualityKey(r.right)}`).toBe(
        `${r.left} ${r.right} ${pep440.compare(r.left, r.right) === 0}`,
      );
    }
    // every pair among a sample of the corpus versions and hand-picked equal spellings
    const sample = [...versions].filter((_, i) => i % 23 === 0);
    sample.push(
      ...["1.0", "1.0.0", "1", "1.0.0.0", "v1.0", "1.0a", "1.0a0", "1.0alpha0", "1.0-1", "1.0.post1"],
      ...["1.0post", "1.0.post0", "1.0dev", "1.0.dev0", "1.0+abc.01", "1.0+abc.1", "1.0+ABC.1", "1!1.0"],
      ...["1.0+1", "1.0+01", "1.0+abc", "1.0+abc.0", "1.0c1", "1.0rc1", "1.0pre1", "0!1.0", "1.0a1.dev0"],
    );
    expect(sample.length).toBeGreaterThan(200);
    for (const a of sample)
      for (const b of sample)
        if ((pep440EqualityKey(a) === pep440EqualityKey(b)) !== (pep440.compare(a, b) === 0))
          expect.fail(`${a} vs ${b}: keys ${pep440EqualityKey(a)} / ${pep440EqualityKey(b)}`);
    expect(() => pep440EqualityKey("not a version")).toThrow(InvalidVersionError);
  });

  it("local versions: strings before numbers, numbers by value", () => {
    expect(pep440.compare("1.0+abc", "1.0+5")).toBe(-1);
    expect(pep440.compare("1.0+10", "1.0+9")).toBe(1);
    expect(pep440.compare("1.0+abc.1", "1.0+abc")).toBe(1);
    expect(pep440.compare("1.0", "1.0+abc")).toBe(-1);
    expect(pep440.compare("1.0.dev1", "1.0a1")).toBe(-1);
    expect(pep440.compare("1.0a1.dev1", "1.0a1")).toBe(-1);
    expect(pep440.compare("1!0.1", "2.0")).toBe(1);
  });

  it("specifiers", () => {
    expect(pep440.satisfies?.("1.4.2", ">=1.0,<2")).toBe(true);
    expect(pep440.satisfies?.("2.0", ">=1.0,<2")).toBe(false);
    expect(() => pep440.satisfies?.("1.0", "=>1")).toThrow(InvalidVersionError);
  });
});
