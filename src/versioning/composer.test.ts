import { describe, expect, it } from "vitest";
import { composer } from "./composer.js";
import { mismatches, vectorRows } from "./test-helpers/corpus.js";
import { InvalidVersionError } from "./types.js";

describe("Packagist versions against the corpus", () => {
  for (const file of [
    "packagist/osv-scalibr-packagist-versions.tsv",
    "packagist/osv-scalibr-packagist-versions-generated.tsv",
  ]) {
    it(`every row of ${file}`, () => {
      const rows = vectorRows(file);
      expect(rows.length).toBeGreaterThan(90);
      expect(mismatches(rows, composer.compare)).toEqual([]);
    });
  }
});

describe("composer parsing", () => {
  it("orders stability suffixes like PHP's version_compare", () => {
    const order = ["1.0-dev", "1.0alpha1", "1.0-beta.2", "1.0RC1", "1.0", "1.0-p1"];
    for (let i = 1; i < order.length; i++)
      expect(`${order[i - 1]} ${composer.compare(order[i - 1]!, order[i]!)}`).toBe(`${order[i - 1]} -1`);
    expect(composer.compare("v2.1.0", "2.1.0")).toBe(0);
    expect(composer.compare("1.0-p1", "1.0.1")).toBe(1); // a word against a number: pl/p rank above "#"
    expect(composer.compare("1.0.0", "1.0")).toBe(1); // OSV/PHP, not Composer normalize()
    expect(composer.compare("1.0-foo", "1.0-dev")).toBe(-1); // unknown words below dev
  });

  it.each([[""], ["v"], ["1.0 beta"], ["1\u0000"]])("rejects %j", (v) => {
    expect(() => composer.parse(v)).toThrow(InvalidVersionError);
    expect(composer.isValid(v)).toBe(false);
  });
});
