import { describe, expect, it } from "vitest";
import { cargo, compareNpm, npmSatisfies, type SemverOptions, semver } from "./semver.js";
import { parseSemver2, semver2 } from "./semver2.js";
import { corpusLines, mismatches, vectorRows } from "./test-helpers/corpus.js";
import { InvalidVersionError } from "./types.js";

function options(col: string): SemverOptions {
  if (col === "" || col === "-") return {};
  if (col === "loose") return { loose: true };
  if (col === "includePrerelease") return { includePrerelease: true };
  throw new Error(`unknown options column ${col}`);
}

describe("npm semver against node-semver's fixtures", () => {
  for (const file of [
    "npm/node-semver-comparisons.tsv",
    "npm/node-semver-comparisons-loose.tsv",
    "npm/node-semver-equality.tsv",
    "npm/node-semver-equality-loose.tsv",
  ]) {
    it(`every row of ${file}, with its options column`, () => {
      const rows = vectorRows(file);
      expect(rows.length).toBeGreaterThan(2);
      const bad = rows.filter((r) => {
        const c = compareNpm(r.left, r.right, options(r.options));
        return (c < 0 ? "<" : c > 0 ? ">" : "=") !== r.op;
      });
      expect(bad).toEqual([]);
    });
  }

  for (const [file, want] of [
    ["npm/node-semver-range-include.tsv", true],
    ["npm/node-semver-range-exclude.tsv", false],
  ] as const) {
    it(`every row of ${file}`, () => {
      const lines = corpusLines(file);
      expect(lines.length).toBe(want ? 125 : 97);
      const bad: string[] = [];
      for (const l of lines) {
        const [range, version, opts] = l.split("\t");
        let got: boolean | string;
        try {
          got = npmSatisfies(version!, range!, options(opts ?? ""));
        } catch (e) {
          got = `threw ${(e as Error).message}`; // no row of either file has an invalid range
        }
        if (got !== want) bad.push(`${l} → ${got}`);
      }
      expect(bad).toEqual([]);
    });
  }

  it("the npm scheme parses loosely, like npm", () => {
    expect(semver.compare("v1.2.3", "=1.2.3")).toBe(0);
    expect(semver.compare("1.2.3-beta", "1.2.3")).toBe(-1);
    expect(semver.satisfies?.("1.4.0", "^1.2.0")).toBe(true);
    expect(() => semver.parse("1.2")).toThrow(InvalidVersionError);
    expect(() => semver.parse("1.2")).toThrow('invalid semver version "1.2": not a semantic version');
  });
});

describe("SemVer 2.0 (OSV SEMVER ranges) against osv-scalibr's semver pairs", () => {
  it("every row, including 30-digit numbers and 5-part versions", () => {
    const rows = vectorRows("semver/osv-scalibr-semver-versions.tsv");
    expect(rows).toHaveLength(86);
    expect(mismatches(rows, semver2.compare)).toEqual([]);
  });

  it("pads short versions and ignores build metadata", () => {
    expect(semver2.compare("1.2", "1.2.0")).toBe(0);
    expect(semver2.compare("v1.2.3+a", "1.2.3+b")).toBe(0);
    expect(semver2.compare("1.0.0-alpha.1", "1.0.0-alpha.beta")).toBe(-1);
    expect(parseSemver2("01.2.3").release).toEqual(["1", "2", "3"]);
  });

  it.each([[""], ["1.2.3-"], ["1.2.3+"], ["a.b.c"], ["1.2.3-béta"], ["1.2.3\u0000"]])("rejects %j", (v) => {
    expect(() => semver2.parse(v)).toThrow(InvalidVersionError);
  });
});

describe("cargo", () => {
  it("is strict SemVer 2.0", () => {
    expect(cargo.compare("1.0.0-alpha", "1.0.0")).toBe(-1);
    expect(cargo.compare("0.10.0", "0.9.9")).toBe(1);
    expect(cargo.isValid("v1.0.0")).toBe(true); // node-semver accepts a leading v even when strict
    expect(cargo.isValid("1.0")).toBe(false);
    expect(cargo.satisfies?.("1.2.5", "~1.2")).toBe(true);
  });
});
