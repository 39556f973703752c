import { describe, expect, it } from "vitest";
import { gem } from "./gem.js";
import { mismatches, vectorRows } from "./test-helpers/corpus.js";
import { InvalidVersionError } from "./types.js";

/**
 * "1beta" and "1gamma" do not match Gem::Version's pattern (a letter segment needs a `.` before
 * it: `1.beta`); Ruby raises "Malformed version number string". osv-scalibr orders them anyway.
 * Vigil follows RubyGems: these rows must throw.
 */
const MALFORMED_ROWS = new Set([
  "rubygems/osv-scalibr-rubygems-versions.tsv:3", // 1 > 1beta
  "rubygems/osv-scalibr-rubygems-versions.tsv:21", // 1 > 1gamma
]);

describe("RubyGems versions against the corpus", () => {
  for (const file of [
    "rubygems/rubygems-test_gem_version.tsv",
    "rubygems/osv-scalibr-rubygems-versions.tsv",
    "rubygems/osv-scalibr-rubygems-versions-generated.tsv",
  ]) {
    it(`every row of ${file}`, () => {
      const rows = vectorRows(file);
      expect(rows.length).toBeGreaterThan(20);
      expect(mismatches(rows, gem.compare, MALFORMED_ROWS)).toEqual([]);
    });
  }

  it("orders like Gem::Version", () => {
    expect(gem.compare("1.0.a", "1.0")).toBe(-1);
    expect(gem.compare("1.0", "1")).toBe(0);
    expect(gem.compare("1.0-1", "1.0.pre.1")).toBe(0);
    expect(gem.compare("", "0")).toBe(0);
    expect(gem.satisfies?.("1.2.9", "~> 1.2")).toBe(true);
    expect(gem.satisfies?.("2.0", "~> 1.2")).toBe(false);
  });

  it.each([["1beta"], ["1..2"], ["junk"], ["1.0\n"]])("rejects %j", (v) => {
    expect(() => gem.parse(v)).toThrow(InvalidVersionError);
    expect(gem.isValid(v)).toBe(false);
  });
});
