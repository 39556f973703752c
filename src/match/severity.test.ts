import { describe, expect, it } from "vitest";
import type { SeverityEntry } from "../advisory/types.js";
import { assessSeverity, parseSeverityList, preferredSources, ratingFromScore } from "./severity.js";

const nvd98: SeverityEntry = {
  source: "nvd",
  rating: "critical",
  cvss: [{ version: "3.1", vector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", score: 9.8 }],
};

describe("CVSS v3 table", () => {
  it.each([
    [0, "unspecified"],
    [0.1, "low"],
    [3.9, "low"],
    [4.0, "medium"],
    [6.9, "medium"],
    [7.0, "high"],
    [8.9, "high"],
    [9.0, "critical"],
    [10, "critical"],
  ])("%s → %s", (score, rating) => expect(ratingFromScore(score)).toBe(rating));
});

describe("Scout's source priority", () => {
  it("OS package: the distro's rating wins, NVD's CVSS is shown next to it (LOW with 9.8)", () => {
    const ratings: SeverityEntry[] = [{ source: "debian", rating: "low", ratingText: "low" }, nvd98];
    const s = assessSeverity(ratings, preferredSources("deb", "debian:12", ["debian"]));
    expect(s).toMatchObject({ rating: "low", ratingSource: "debian", cvssSource: "nvd" });
    expect(s.cvss?.score).toBe(9.8);
  });

  it("Debian 'unimportant' (negligible) displays as low", () => {
    const s = assessSeverity(
      [{ source: "debian", rating: "negligible", ratingText: "unimportant" }],
      ["debian"],
    );
    expect(s.rating).toBe("low");
  });

  it("distro with no rating ('not yet assigned') falls back to NVD", () => {
    const s = assessSeverity(
      [{ source: "debian", rating: "unknown", ratingText: "not yet assigned" }, nvd98],
      ["debian"],
    );
    expect(s).toMatchObject({ rating: "critical", ratingSource: "nvd" });
  });

  it("language package: GHSA's rating and CVSS win over NVD", () => {
    const ghsa: SeverityEntry = {
      source: "ghsa",
      rating: "medium",
      ratingText: "MODERATE",
      cvss: [{ version: "3.1", vector: "CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:N/I:N/A:H", score: 5.9 }],
    };
    const s = assessSeverity([nvd98, ghsa], preferredSources("npm", "npm", ["osv"]));
    expect(s).toMatchObject({ rating: "medium", ratingSource: "ghsa", cvssSource: "ghsa" });
    expect(s.cvss?.score).toBe(5.9);
  });

  it("a score without a word is rated by the v3 table; v4 preferred over v3", () => {
    const s = assessSeverity(
      [
        {
          source: "osv",
          cvss: [
            { version: "3.1", vector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", score: 9.8 },
            {
              version: "4.0",
              vector: "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:N/VA:N/SC:N/SI:N/SA:N",
              score: 8.7,
            },
          ],
        },
      ],
      ["ghsa", "osv"],
    );
    expect(s).toMatchObject({ rating: "high", ratingSource: "cvss:osv" });
    expect(s.cvss?.version).toBe("4.0");
  });

  it("nothing anywhere → unspecified", () => {
    expect(assessSeverity([], ["debian"]).rating).toBe("unspecified");
    expect(assessSeverity([{ source: "debian", rating: "unknown" }], ["debian"]).rating).toBe("unspecified");
  });

  it("parses --only-severity lists", () => {
    expect(parseSeverityList("critical, HIGH,unspecified")).toEqual(["critical", "high", "unspecified"]);
    expect(() => parseSeverityList("urgent")).toThrow(/unknown severity/);
  });
});
