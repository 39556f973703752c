import { describe, expect, it } from "vitest";
import { parseRpm, rpm, rpmvercmp } from "./rpm.js";
import { mismatches, rowKey, vectorRows } from "./test-helpers/corpus.js";
import { InvalidVersionError } from "./types.js";

/**
 * go-rpm-version.tsv is a table of plain `rpmvercmp` comparisons: in its rows `-` is just a
 * separator (`1.2.3.4 = 1-2-3-4`). As full E:V-R strings, `1-2-3-4` is version 1-2-3 release 4, so
 * these six rows (the only ones containing `-`) are checked against rpmvercmp only.
 */
const SEGMENT_ONLY_ROWS = new Set([
  "rpm/go-rpm-version.tsv:1906",
  "rpm/go-rpm-version.tsv:1972",
  "rpm/go-rpm-version.tsv:1981",
  "rpm/go-rpm-version.tsv:1982",
  "rpm/go-rpm-version.tsv:2509",
  "rpm/go-rpm-version.tsv:2576",
]);

describe("rpm versions against the corpus", () => {
  it("every row of rpm's own rpmvercmp tests, as rpmvercmp and as E:V-R", () => {
    const rows = vectorRows("rpm/rpmvercmp.tsv");
    expect(rows).toHaveLength(91);
    expect(mismatches(rows, rpmvercmp)).toEqual([]);
    expect(mismatches(rows, rpm.compare)).toEqual([]);
  });

  it("every row of go-rpm-version's table as rpmvercmp; all but the listed '-' rows as E:V-R", () => {
    const rows = vectorRows("rpm/go-rpm-version.tsv");
    expect(rows).toHaveLength(4489);
    expect(mismatches(rows, rpmvercmp)).toEqual([]);
    const evr = rows.filter((r) => !SEGMENT_ONLY_ROWS.has(rowKey(r)));
    expect(rows.length - evr.length).toBe(SEGMENT_ONLY_ROWS.size);
    expect(mismatches(evr, rpm.compare)).toEqual([]);
    for (const r of rows)
      if (SEGMENT_ONLY_ROWS.has(rowKey(r))) expect(`${r.left} ${r.right}`).toContain("1-2-3-4");
  });

  it("every row of osv-scalibr's Red Hat pairs (epochs, releases, ~, ^, non-ASCII)", () => {
    const rows = vectorRows("rpm/osv-scalibr-redhat-versions.tsv");
    expect(rows).toHaveLength(165);
    expect(mismatches(rows, rpm.compare)).toEqual([]);
  });
});

describe("rpm parsing", () => {
  it("splits E:V-R like rpm", () => {
    expect(parseRpm("1:2.3-4.el8")).toEqual({ epoch: "1", version: "2.3", release: "4.el8" });
    expect(parseRpm("2.3")).toEqual({ epoch: "0", version: "2.3", release: undefined });
    expect(parseRpm("a:1")).toEqual({ epoch: "0", version: "a:1", release: undefined });
    expect(parseRpm("1.0-1-2")).toEqual({ epoch: "0", version: "1.0-1", release: "2" });
  });

  it("a missing release sorts before any release; epoch dominates", () => {
    expect(rpm.compare("1.0", "1.0-0")).toBe(-1);
    expect(rpm.compare("1:1.0", "2.0-1")).toBe(1);
    expect(rpm.compare("1.0~rc1-1", "1.0-1")).toBe(-1);
  });

  it.each([["1.0 2"], ["1\u0007"], ["9".repeat(1100)]])("rejects %j", (v) => {
    expect(() => parseRpm(v)).toThrow(InvalidVersionError);
    expect(rpm.isValid(v)).toBe(false);
    expect(() => rpm.compare(v, "1")).toThrow(/invalid rpm version/);
  });
});
