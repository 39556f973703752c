/**
 * OSV range evaluation on real advisory data from the corpus: every range of the Go vulnerability
 * database, RustSec and the PyPA advisory database evaluates under its ecosystem's scheme, and the
 * GHSA samples answer as their ranges say.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { gunzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { schemeFor } from "./index.js";
import { inRange, isAffected } from "./range.js";
import type { AffectedRange } from "./types.js";

const OSV_DIR = fileURLToPath(new URL("../../../shared/corpus/advisories/osv/", import.meta.url));

interface OsvAffected {
  package: { ecosystem: string; name: string };
  ranges?: AffectedRange[];
  versions?: string[];
}
interface OsvRecord {
  id: string;
  affected?: OsvAffected[];
}

function records(file: string): OsvRecord[] {
  return gunzipSync(readFileSync(OSV_DIR + file))
    .toString("utf8")
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l) as OsvRecord);
}

/** Evaluate every non-GIT range once; return the ids whose ranges could not be evaluated. */
function unevaluable(recs: OsvRecord[]): { ranges: number; failures: string[] } {
  let ranges = 0;
  const failures: string[] = [];
  for (const rec of recs) {
    for (const a of rec.affected ?? []) {
      const scheme = schemeFor(a.package.ecosystem);
      for (const r of a.ranges ?? []) {
        if (r.type === "GIT") continue;
        ranges++;
        const probe = scheme.name === "golang" ? "v0.0.1" : "0.0.1";
        try {
          inRange(scheme, probe, r);
        } catch (e) {
          failures.push(`${rec.id}: ${(e as Error).message}`);
        }
      }
    }
  }
  return { ranges, failures };
}

describe("OSV ranges from real feeds", () => {
  it("all 6125 SEMVER ranges of the Go vulnerability database evaluate", () => {
    const recs = records("go-vulndb.osv.jsonl.gz");
    expect(recs).toHaveLength(4291);
    expect(unevaluable(recs)).toEqual({ ranges: 6125, failures: [] });
  });

  it("all 1206 ranges of RustSec evaluate", () => {
    const recs = records("rustsec-crates.osv.jsonl.gz");
    expect(unevaluable(recs)).toEqual({ ranges: 1206, failures: [] });
  });

  it("PyPA: every ECOSYSTEM range evaluates except two whose event is not PEP 440", () => {
    const recs = records("pypa-advisory-database.osv.jsonl.gz");
    expect(recs).toHaveLength(2661);
    const { ranges, failures } = unevaluable(recs);
    expect(ranges).toBe(2659);
    // a clear error rather than a silent "not affected"
    expect(failures.sort()).toEqual([
      'PYSEC-2019-125: invalid pep440 version "2019-09-12": not a PEP 440 version',
      'PYSEC-2021-371: invalid pep440 version "0.2.0-n653": not a PEP 440 version',
    ]);
  });

  it("a Go pseudo-version below a fix is affected, the fix itself is not", () => {
    const recs = records("go-vulndb.osv.jsonl.gz");
    const rec = recs.find((r) =>
      r.affected?.some((a) =>
        a.ranges?.some((x) => x.events.some((e) => e.introduced === "0") && x.events.some((e) => e.fixed)),
      ),
    )!;
    const a = rec.affected!.find((x) => x.ranges?.some((r) => r.events.some((e) => e.fixed)))!;
    const fixed = a.ranges!.flatMap((r) => r.events).find((e) => e.fixed)!.fixed!;
    const go = schemeFor("Go");
    expect(isAffected(go, `v${fixed}`, a.ranges!)).toBe(false);
    expect(isAffected(go, "v0.0.0-20000101000000-000000000000", a.ranges!)).toBe(true);
  });
});

describe("GHSA samples", () => {
  const ghsa = (id: string): OsvAffected[] =>
    (JSON.parse(readFileSync(`${OSV_DIR}ghsa-sample/${id}.json`, "utf8")) as OsvRecord).affected!;

  it("log4j-core (GHSA-jfh8-c2jp-5v3q): three Maven ranges", () => {
    const maven = schemeFor("Maven");
    const ranges = ghsa("GHSA-jfh8-c2jp-5v3q").flatMap((a) => a.ranges ?? []);
    const affected = (v: string) => isAffected(maven, v, ranges);
    expect(["2.14.1", "2.13.0", "2.0-beta9", "2.3", "2.4", "2.12.1", "2.15.0-rc1"].map(affected)).toEqual([
      true,
      true,
      true,
      true,
      true,
      true,
      true,
    ]);
    expect(["2.15.0", "2.16.0", "2.3.1", "2.12.2", "2.12.4"].map(affected)).toEqual([
      false,
      false,
      false,
      false,
      false,
    ]);
  });

  it("semver (GHSA-c2qf-rxjj-qqgw): three npm ranges", () => {
    const npm = schemeFor("npm");
    const ranges = ghsa("GHSA-c2qf-rxjj-qqgw").flatMap((a) => a.ranges ?? []);
    const affected = (v: string) => isAffected(npm, v, ranges);
    expect(["5.7.1", "6.3.0", "7.5.1", "7.0.0"].map(affected)).toEqual([true, true, true, true]);
    expect(["5.7.2", "6.3.1", "7.5.2", "7.6.0", "5.8.0"].map(affected)).toEqual([
      false,
      false,
      false,
      false,
      false,
    ]);
  });

  it("snakeyaml (GHSA-mjmj-j48q-9wg2): fixed 2.0", () => {
    const maven = schemeFor("Maven");
    const ranges = ghsa("GHSA-mjmj-j48q-9wg2").flatMap((a) => a.ranges ?? []);
    expect(isAffected(maven, "1.33", ranges)).toBe(true);
    expect(isAffected(maven, "2.0", ranges)).toBe(false);
    expect(isAffected(maven, "2.0-SNAPSHOT", ranges)).toBe(true);
  });
});
