import { describe, expect, it } from "vitest";
import { apk, apkFuzzyMatch, compareApk, parseApk } from "./apk.js";
import { corpusLines, mismatches, rowKey, vectorRows } from "./test-helpers/corpus.js";
import { InvalidVersionError } from "./types.js";

/**
 * osv-scalibr rows that compare versions apk-tools 3 rejects as invalid, where osv-scalibr's own
 * lenient comparator (an apk 2.x-style reading that ignores invalid tails) says "=" but apk-tools 3
 * orders them. Vigil follows apk-tools 3 (the source of apk-tools.tsv, which passes in full). The test
 * below checks that every excluded row really involves a version apk rejects.
 */
const SCALIBR_APK2_INVALID_ROWS = new Map([
  ["alpine/osv-scalibr-alpine-versions.tsv:2", "<"], // 1-r = 1-r0        ("-r" without digits is invalid)
  ["alpine/osv-scalibr-alpine-versions.tsv:29", ">"], // 1-r0-1 = 1-r-2   (second "-" / "-r-" invalid)
  ["alpine/osv-scalibr-alpine-versions.tsv:30", "<"], // 1-r0-1 = 1-r0-2  (invalid tails "-1" < "-2")
  ["alpine/osv-scalibr-alpine-versions.tsv:31", ">"], // 1-ruff2 = 1-ruff1
  ["alpine/osv-scalibr-alpine-versions.tsv:32", ">"], // 1-ruff2 = 1--ruff1
  ["alpine/osv-scalibr-alpine-versions.tsv:33", ">"], // 1-r0-ruff2 = 1-r0-ruff1
]);

/**
 * osv.dev's Alpine converter fixture lists these as valid; apk-tools 3 rejects them (a digit after a
 * letter, `6.6.2p1`, and a letter after a dot, `10.2.22.r0`, are invalid in apk-tools' own
 * version.data: `!0.1a1`, and its grammar). They stay comparable (see the scalibr rows `6.6.2p1 < 6.6.2p2`).
 */
const OSVDEV_VALID_BUT_APK3_INVALID = new Set([
  "6.6.2p1-r0",
  "6.6.4p1-r2",
  "16.6.4p1-r1",
  "3.3.3p1-r3",
  "6.7.1p1-r1",
  "10.2.22.r0",
  "10.2.24.r0",
  "0.8.21.r2",
]);

describe("apk versions against the corpus", () => {
  it("every row of apk-tools' version.data (apk-tools.tsv)", () => {
    const rows = vectorRows("alpine/apk-tools.tsv");
    expect(rows).toHaveLength(738);
    expect(mismatches(rows, compareApk)).toEqual([]);
  });

  it("every row of osv-scalibr's generated Alpine pairs", () => {
    const rows = vectorRows("alpine/osv-scalibr-alpine-versions-generated.tsv");
    expect(rows).toHaveLength(13979);
    expect(mismatches(rows, compareApk)).toEqual([]);
  });

  it("every row of osv-scalibr's Alpine pairs, with the listed apk2-vs-apk3 exceptions", () => {
    const rows = vectorRows("alpine/osv-scalibr-alpine-versions.tsv");
    expect(rows).toHaveLength(778);
    const normal = rows.filter((r) => !SCALIBR_APK2_INVALID_ROWS.has(rowKey(r)));
    expect(mismatches(normal, compareApk)).toEqual([]);
    const excluded = rows.filter((r) => SCALIBR_APK2_INVALID_ROWS.has(rowKey(r)));
    expect(excluded).toHaveLength(SCALIBR_APK2_INVALID_ROWS.size);
    for (const r of excluded) {
      expect(apk.isValid(r.left) && apk.isValid(r.right), `${rowKey(r)} involves an invalid version`).toBe(
        false,
      );
      const got = compareApk(r.left, r.right);
      expect(got < 0 ? "<" : got > 0 ? ">" : "=").toBe(SCALIBR_APK2_INVALID_ROWS.get(rowKey(r)));
    }
  });

  it("every validity row of apk-tools' version.data", () => {
    const lines = corpusLines("alpine/apk-tools-validity.tsv");
    expect(lines).toHaveLength(31);
    for (const l of lines) {
      const [v, want] = l.split("\t");
      expect(`${v} ${apk.isValid(v!) ? "valid" : "invalid"}`).toBe(`${v} ${want}`);
    }
  });

  it("every fuzzy-match row of apk-tools' version.data", () => {
    const lines = corpusLines("alpine/apk-tools-fuzzy.tsv");
    expect(lines).toHaveLength(16);
    for (const l of lines) {
      const [a, op, b] = l.split("\t") as [string, "~" | "<~" | ">~" | "!~", string];
      expect(`${l} ${apkFuzzyMatch(a, op, b)}`).toBe(`${l} true`);
    }
  });

  it("the apk-tools.tsv string-sort row 1.0 < 1.0bc holds although 1.0bc is invalid", () => {
    expect(apk.isValid("1.0bc")).toBe(false);
    expect(compareApk("1.0", "1.0bc")).toBe(-1);
  });

  it("osv.dev's invalid Alpine versions are rejected", () => {
    const lines = corpusLines("alpine/osv.dev-alpine-invalid_versions.txt").filter(
      (l) => l && !l.startsWith("#"),
    );
    expect(lines.length).toBe(11);
    for (const v of lines) expect(`${v} ${apk.isValid(v)}`).toBe(`${v} false`);
  });

  it("osv.dev's valid Alpine versions are accepted, except the listed apk-tools 3 rejects", () => {
    const lines = corpusLines("alpine/osv.dev-alpine-valid_versions.txt").filter(
      (l) => l && !l.startsWith("#"),
    );
    expect(lines.length).toBeGreaterThan(150);
    for (const v of lines) {
      expect(`${v} ${apk.isValid(v)}`).toBe(`${v} ${!OSVDEV_VALID_BUT_APK3_INVALID.has(v)}`);
    }
  });
});

describe("apk parsing", () => {
  it("orders suffixes as apk does", () => {
    const order = [
      "1.0_alpha1",
      "1.0_beta",
      "1.0_pre2",
      "1.0_rc1",
      "1.0",
      "1.0-r1",
      "1.0_cvs",
      "1.0_svn",
      "1.0_git1",
      "1.0_hg",
      "1.0_p1",
      "1.0a",
    ];
    for (let i = 1; i < order.length; i++)
      expect(`${order[i - 1]} ${compareApk(order[i - 1]!, order[i]!)}`).toBe(`${order[i - 1]} -1`);
  });

  it.each([
    ["", "empty"],
    ["1.0_foobar", "unexpected"],
    ["1.0-r", "unexpected"],
    ["x".repeat(5000), "longer than"],
    ["1.0\n", "control"],
  ])("rejects %j with a clear error", (v, reason) => {
    expect(() => parseApk(v)).toThrow(InvalidVersionError);
    expect(() => parseApk(v)).toThrow(reason);
    expect(apk.isValid(v)).toBe(false);
  });

  it("compare refuses empty and hostile strings but orders merely apk-invalid ones", () => {
    expect(() => compareApk("", "1")).toThrow(InvalidVersionError);
    expect(() => compareApk("1", "\u0000")).toThrow(InvalidVersionError);
    expect(compareApk("1.18.-r2", "1.18-r2")).not.toBe(0);
    expect(compareApk("1.18.-r2", "1.18.-r2")).toBe(0);
  });

  it("handles numbers beyond 64 bits", () => {
    expect(compareApk("1.99999999999999999999999", "1.100000000000000000000000")).toBe(-1);
  });
});
