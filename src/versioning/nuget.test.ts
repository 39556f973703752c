import { describe, expect, it } from "vitest";
import { nuget, parseNuget } from "./nuget.js";
import { mismatches, vectorRows } from "./test-helpers/corpus.js";
import { InvalidVersionError } from "./types.js";

describe("NuGet versions against the corpus", () => {
  it("every row of osv-scalibr's NuGet pairs", () => {
    const rows = vectorRows("nuget/osv-scalibr-nuget-versions.tsv");
    expect(rows).toHaveLength(35);
    expect(mismatches(rows, nuget.compare)).toEqual([]);
  });
});

describe("nuget parsing", () => {
  it("pads to four parts, ignores metadata, compares labels case-insensitively", () => {
    expect(parseNuget("1.2")).toEqual({ parts: ["1", "2", "0", "0"], labels: [], metadata: "" });
    expect(nuget.compare("1.0.0-RC.1+build.5", "1.0.0-rc.1")).toBe(0);
    expect(nuget.compare("1.0.0-alpha.2", "1.0.0-alpha.10")).toBe(-1);
    expect(nuget.compare("1.0.0-1", "1.0.0-alpha")).toBe(-1);
    expect(nuget.compare("4.0.0.1", "4.0.0")).toBe(1);
  });

  it.each([[""], ["v1.0.0"], ["1.2.3.4.5"], ["1.0.0-"], ["1.0.0-a..b"], ["1.0 .0"], ["1\u0000"]])(
    "rejects %j",
    (v) => {
      expect(() => nuget.parse(v)).toThrow(InvalidVersionError);
      expect(nuget.isValid(v)).toBe(false);
    },
  );
});
