import { describe, expect, it } from "vitest";
import { golang, isPseudoVersion } from "./golang.js";
import { isAffected } from "./range.js";
import { mismatches, vectorRows } from "./test-helpers/corpus.js";
import { InvalidVersionError } from "./types.js";

describe("Go module versions", () => {
  it("every row of osv-scalibr's semver pairs that are Go-valid, with and without v", () => {
    // The semver file is shared by SemVer ecosystems; the one row Go rejects (5-part `1.1.3.4.5`) is
    // filtered by Go's own validity (a bare number is Go shorthand for N.0.0).
    const rows = vectorRows("semver/osv-scalibr-semver-versions.tsv");
    const goRows = rows.filter((r) => golang.isValid(r.left) && golang.isValid(r.right));
    expect(rows.filter((r) => !goRows.includes(r)).map((r) => r.line)).toEqual([86]);
    expect(mismatches(goRows, golang.compare)).toEqual([]);
  });

  it("orders pseudo-versions by time and before the tag they precede", () => {
    const order = [
      "v0.0.0-20191109021931-daa7c04131f5",
      "v0.0.0-20200101000000-0123456789ab",
      "v0.1.0",
      "v1.2.3",
      "v1.2.4-0.20200101000000-0123456789ab",
      "v1.2.4",
      "v2.0.0-rc.1",
      "v2.0.0+incompatible",
    ];
    for (let i = 1; i < order.length; i++)
      expect(`${order[i - 1]} ${golang.compare(order[i - 1]!, order[i]!)}`).toBe(`${order[i - 1]} -1`);
    expect(golang.compare("v2.0.0+incompatible", "v2.0.0")).toBe(0);
    expect(golang.compare("v1", "v1.0.0")).toBe(0);
    expect(golang.compare("1.2.3", "v1.2.3")).toBe(0);
    expect(isPseudoVersion("v0.0.0-20191109021931-daa7c04131f5")).toBe(true);
    expect(isPseudoVersion("v1.2.4-0.20200101000000-0123456789ab")).toBe(true);
    expect(isPseudoVersion("v1.2.4-rc.1")).toBe(false);
  });

  it("understands Go toolchain versions for stdlib advisories", () => {
    expect(golang.compare("go1.21rc2", "v1.21.0-rc.2")).toBe(0);
    expect(golang.compare("go1.20", "1.20.0")).toBe(0);
    expect(golang.compare("1.19", "v1.19.0")).toBe(0); // go.mod "go 1.19", as osv.dev reads it
    expect(golang.compare("go1.21.3", "go1.21.10")).toBe(-1);
    expect(
      isAffected(golang, "go1.21.3", [
        { type: "SEMVER", events: [{ introduced: "1.21.0-0" }, { fixed: "1.21.4" }] },
      ]),
    ).toBe(true);
  });

  it.each([["v1.2.3.4"], ["v01.2.3"], ["v1.2-pre"], ["(devel)"], ["v1.2.3-01"], [""], ["latest"]])(
    "rejects %j",
    (v) => {
      expect(() => golang.parse(v)).toThrow(InvalidVersionError);
      expect(golang.isValid(v)).toBe(false);
    },
  );
});
