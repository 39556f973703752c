import { describe, expect, it } from "vitest";
import { apk } from "./apk.js";
import { deb } from "./deb.js";
import { pep440 } from "./pep440.js";
import { inRange, isAffected, rangeInterval, satisfiesNpmRange } from "./range.js";
import { semver } from "./semver.js";
import { type AffectedRange, InvalidVersionError } from "./types.js";

const eco = (...events: AffectedRange["events"]): AffectedRange => ({ type: "ECOSYSTEM", events });

describe("OSV range evaluation", () => {
  it("introduced 0 / fixed", () => {
    const r = [eco({ introduced: "0" }, { fixed: "1.0.2" })];
    expect(isAffected(semver, "0.0.1", r)).toBe(true);
    expect(isAffected(semver, "1.0.1", r)).toBe(true);
    expect(isAffected(semver, "1.0.2", r)).toBe(false);
    expect(isAffected(semver, "2.0.0", r)).toBe(false);
  });

  it("introduced 0 alone affects everything", () => {
    expect(isAffected(deb, "0", [eco({ introduced: "0" })])).toBe(true);
    expect(isAffected(deb, "99:1", [eco({ introduced: "0" })])).toBe(true);
  });

  it("last_affected is inclusive", () => {
    const r = [eco({ introduced: "1.0.0" }, { last_affected: "2.1.214" })];
    expect(isAffected(semver, "2.1.214", r)).toBe(true);
    expect(isAffected(semver, "2.1.215", r)).toBe(false);
    expect(isAffected(semver, "0.9.0", r)).toBe(false);
  });

  it("several introduced/fixed pairs in one range, given unsorted", () => {
    const r = [eco({ fixed: "3.2.5" }, { introduced: "3.0.0" }, { fixed: "1.0.2" }, { introduced: "1.0.0" })];
    const got = ["0.9.0", "1.0.0", "1.0.1", "1.0.2", "2.0.0", "3.0.0", "3.2.4", "3.2.5", "4.0.0"].map((v) =>
      isAffected(semver, v, r),
    );
    expect(got).toEqual([false, true, true, false, false, true, true, false, false]);
  });

  it("rangeInterval names the interval that holds the version, as inRange decides it", () => {
    // Several release branches in one range, given unsorted; one open-ended, one closed by last_affected.
    const r = eco(
      { fixed: "3.2.5" },
      { introduced: "3.0.0" },
      { fixed: "1.0.2" },
      { introduced: "0" },
      { introduced: "5.0.0" },
      { last_affected: "4.1.0" },
      { introduced: "4.0.0" },
    );
    const at = (v: string) => rangeInterval(semver, v, r);
    expect(at("0.9.0")).toEqual({ fixed: "1.0.2", limits: [] });
    expect(at("1.0.2")).toBeUndefined();
    expect(at("3.2.4")).toEqual({ introduced: "3.0.0", fixed: "3.2.5", limits: [] });
    expect(at("4.1.0")).toEqual({ introduced: "4.0.0", lastAffected: "4.1.0", limits: [] });
    expect(at("4.1.1")).toBeUndefined();
    expect(at("6.0.0")).toEqual({ introduced: "5.0.0", limits: [] });
    // Whatever the version, it has an interval exactly when inRange says it is in the range.
    for (const v of [
      "0.0.1",
      "1.0.0",
      "1.0.2",
      "2.0.0",
      "3.0.0",
      "3.2.5",
      "4.0.0",
      "4.1.0",
      "4.2.0",
      "5.0.0",
      "9.9.9",
    ])
      expect(at(v) !== undefined, v).toBe(inRange(semver, v, r));
    // Overlapping introduced events: the interval starts at the first of them.
    const overlap = eco({ introduced: "1.0.0" }, { introduced: "1.5.0" }, { fixed: "2.0.0" });
    expect(rangeInterval(semver, "1.7.0", overlap)).toEqual({
      introduced: "1.0.0",
      fixed: "2.0.0",
      limits: [],
    });
    // Limits: the version must be below one; a `*` limit is not named.
    const limited = eco({ introduced: "0" }, { limit: "2.0.0" }, { limit: "*" });
    expect(rangeInterval(semver, "1.0.0", limited)).toEqual({ limits: ["2.0.0"] });
    expect(rangeInterval(semver, "1.0.0", { type: "GIT", events: [{ introduced: "0" }] })).toBeUndefined();
  });

  it("events are sorted with the scheme (deb ~ and epochs), not as strings", () => {
    const r = [eco({ fixed: "1:1.0-1" }, { introduced: "1.0~rc1" })];
    expect(isAffected(deb, "1.0~rc1", r)).toBe(true);
    expect(isAffected(deb, "1.0~beta1", r)).toBe(false);
    expect(isAffected(deb, "2.0", r)).toBe(true); // 2.0 (epoch 0) < 1:1.0-1
    expect(isAffected(deb, "1:1.0-1", r)).toBe(false);
  });

  it("multiple ranges: affected if any range includes the version", () => {
    const ranges = [
      eco({ introduced: "2.13.0" }, { fixed: "2.15.0" }),
      eco({ introduced: "0" }, { fixed: "2.3.1" }),
    ];
    expect(isAffected(semver, "2.14.1", ranges)).toBe(true);
    expect(isAffected(semver, "2.3.0", ranges)).toBe(true);
    expect(isAffected(semver, "2.5.0", ranges)).toBe(false);
  });

  it("limit: below at least one limit; '*' is infinity", () => {
    const r = eco({ introduced: "1.0.0" }, { limit: "2.0.0" });
    expect(inRange(semver, "1.5.0", r)).toBe(true);
    expect(inRange(semver, "2.0.0", r)).toBe(false);
    expect(
      inRange(semver, "3.0.0", eco({ introduced: "1.0.0" }, { limit: "2.0.0" }, { limit: "4.0.0" })),
    ).toBe(true);
    expect(inRange(semver, "9.0.0", eco({ introduced: "1.0.0" }, { limit: "*" }))).toBe(true);
  });

  it("an introduced and fixed at the same version make an empty range", () => {
    expect(isAffected(semver, "1.0.0", [eco({ fixed: "1.0.0" }, { introduced: "1.0.0" })])).toBe(false);
  });

  it("SEMVER ranges use SemVer 2.0 ordering whatever the ecosystem", () => {
    const r: AffectedRange = { type: "SEMVER", events: [{ introduced: "0" }, { fixed: "1.10.0" }] };
    // deb would order 1.9.0~rc1 < 1.9.0; SemVer 2.0 rejects "~" and pads 1.9 → 1.9.0
    expect(isAffected(deb, "1.9", [r])).toBe(true);
    expect(isAffected(deb, "v1.10.0", [r])).toBe(false);
    expect(isAffected(apk, "1.2.0-beta.1", [r])).toBe(true);
    // pre-release of the fixed version is still affected under SemVer precedence
    expect(isAffected(deb, "1.10.0-rc.1", [r])).toBe(true);
  });

  it("GIT ranges are ignored", () => {
    const git: AffectedRange = { type: "GIT", events: [{ introduced: "0" }, { fixed: "abc123" }] };
    expect(isAffected(semver, "1.0.0", [git])).toBe(false);
  });

  it("the explicit versions list counts, compared with the scheme", () => {
    expect(isAffected(deb, "1.0-1", [], ["0:1.0-1"])).toBe(true);
    expect(isAffected(deb, "1.0-2", [], ["1.0-1", "-"])).toBe(false);
  });

  it("a list looked up through equality keys (PEP 440) answers as comparing one by one", () => {
    const list = ["0.9", "1.0", "1.1rc1", "2.0.post1", "3.0+local.07", "not a version"];
    const oneByOne = (v: string) =>
      list.includes(v) || list.some((l) => pep440.isValid(l) && pep440.compare(v, l) === 0);
    for (const v of ["1.0", "1.0.0", "1", "1.1rc1", "1.1c1", "1.1", "2.0-1", "2.0.post2", "3.0+local.7"])
      for (let i = 0; i < 2; i++)
        expect(`${v} ${isAffected(pep440, v, [], list)}`).toBe(`${v} ${oneByOne(v)}`);
    expect(isAffected(pep440, "1.0.0", [], list)).toBe(true);
    expect(isAffected(pep440, "3.0+local.7", [], list)).toBe(true);
    expect(isAffected(pep440, "1.2", [], list)).toBe(false);
    // an unparseable version is found when listed as such, and is an error otherwise
    expect(isAffected(pep440, "not a version", [], list)).toBe(true);
    expect(() => isAffected(pep440, "also not one", [], list)).toThrow(InvalidVersionError);
  });

  it("throws on an unparseable queried or event version instead of answering 'not affected'", () => {
    expect(() => isAffected(deb, "1.0-", [eco({ introduced: "0" })])).toThrow(InvalidVersionError);
    expect(() => isAffected(semver, "1.0.0", [eco({ introduced: "0" }, { fixed: "not a version" })])).toThrow(
      InvalidVersionError,
    );
  });

  it("accepts apk versions apk-tools orders but would not install (real secdb data)", () => {
    const r = [eco({ introduced: "0" }, { fixed: "1.18.-r2" })];
    expect(apk.isValid("1.18.-r2")).toBe(false);
    expect(isAffected(apk, "1.17-r0", r)).toBe(true);
    expect(isAffected(apk, "1.19-r0", r)).toBe(false);
    expect(() => isAffected(apk, "", r)).toThrow(InvalidVersionError);
  });

  it("re-uses the sorted events of a range across lookups", () => {
    const r = [eco({ fixed: "2.0.0" }, { introduced: "1.0.0" })];
    for (let i = 0; i < 3; i++) expect(isAffected(semver, "1.5.0", r)).toBe(true);
  });
});

describe("npm range membership", () => {
  it("follows node-semver", () => {
    expect(satisfiesNpmRange("1.2.3", "^1.0.0")).toBe(true);
    expect(satisfiesNpmRange("2.0.0", "^1.0.0")).toBe(false);
    expect(satisfiesNpmRange("1.0.0-rc.1", ">=0.9.0")).toBe(false);
    expect(satisfiesNpmRange("1.0.0-rc.1", ">=0.9.0", { includePrerelease: true })).toBe(true);
    expect(() => satisfiesNpmRange("1.0.0", ">=>=")).toThrow(InvalidVersionError);
  });
});
