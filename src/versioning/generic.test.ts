import { describe, expect, it } from "vitest";
import { generic } from "./generic.js";
import { schemeNameFor } from "./index.js";
import { pub } from "./semver2.js";
import { mismatches, vectorRows } from "./test-helpers/corpus.js";
import { InvalidVersionError } from "./types.js";

describe("generic scheme (CRAN, Hackage and unknown ecosystems)", () => {
  for (const file of [
    "cran/osv-scalibr-cran-versions.tsv",
    "cran/osv-scalibr-cran-versions-generated.tsv",
    "hackage/osv-scalibr-hackage-versions.tsv",
  ]) {
    it(`every row of ${file}`, () => {
      const rows = vectorRows(file);
      expect(rows.length).toBeGreaterThan(10);
      expect(mismatches(rows, generic.compare)).toEqual([]);
    });
  }

  it("CRAN and Hackage map to generic", () => {
    expect(schemeNameFor("CRAN")).toBe("generic");
    expect(schemeNameFor("Hackage")).toBe("generic");
  });

  it("heuristics: pre-release words, v prefix, case", () => {
    expect(generic.compare("1.0rc1", "1.0")).toBe(-1);
    expect(generic.compare("1.0", "1.0.1")).toBe(-1);
    expect(generic.compare("v2", "2")).toBe(0);
    expect(generic.compare("1.0-BETA", "1.0-beta")).toBe(0);
  });

  it.each([[""], ["..."], ["1\u0000"]])("rejects %j", (v) => {
    expect(() => generic.parse(v)).toThrow(InvalidVersionError);
  });
});

describe("pub (Dart pub_semver)", () => {
  it("every row of osv-scalibr's Pub pairs (build metadata is ordered)", () => {
    const rows = vectorRows("pub/osv-scalibr-pub-versions.tsv");
    expect(rows).toHaveLength(100);
    expect(mismatches(rows, pub.compare)).toEqual([]);
    expect(schemeNameFor("Pub")).toBe("pub");
  });
});
