import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import type { AdvisoryRecord } from "../types.js";
import { parseListDate } from "./debian.js";
import { parseSource } from "./index.js";
import { isAdvisory } from "./types.js";

const DEB = fileURLToPath(new URL("../../../../shared/corpus/advisories/debian/", import.meta.url));

async function records(path: string, skipped?: string[], feed?: string): Promise<AdvisoryRecord[]> {
  return (await parseSource(path, { skipped, feed })).filter(isAdvisory);
}

describe("Debian DSA/DLA/DTSA lists (whole files)", () => {
  it("reads all 5406 DSA entries; newest DSA-5380-1, oldest DSA-135", async () => {
    const skipped: string[] = [];
    const recs = await records(`${DEB}security-tracker/DSA.list`, skipped);
    expect(recs).toHaveLength(5406);
    expect(recs[0]).toMatchObject({
      id: "DSA-5380-1",
      aliases: ["CVE-2023-1393"],
      published: "2023-03-29T00:00:00.000Z",
      summary: "xorg-server - security update",
    });
    expect(recs[0]!.affected).toEqual([
      {
        namespace: "debian:11",
        name: "xorg-server",
        status: "fixed",
        ranges: [{ type: "ECOSYSTEM", events: [{ introduced: "0" }, { fixed: "2:1.20.11-1+deb11u6" }] }],
        fixedVersions: ["2:1.20.11-1+deb11u6"],
      },
    ]);
    expect(recs.at(-1)!.id).toBe("DSA-135");
    expect(skipped.length).toBeLessThan(20);
    // <not-affected> / <end-of-life> markers become statuses
    const statuses = new Set(recs.flatMap((r) => r.affected.map((a) => a.status)));
    expect(statuses).toEqual(new Set(["fixed", "not_affected", "end_of_life", "affected"]));
    expect(recs.filter((r) => r.published).length).toBe(5406);
  });

  it("reads all 3534 DLA entries (newest DLA-3380-1) and 208 DTSA entries", async () => {
    const dla = await records(`${DEB}security-tracker/DLA.list`);
    expect(dla).toHaveLength(3534);
    expect(dla[0]!.id).toBe("DLA-3380-1");
    expect(dla[0]!.affected[0]).toMatchObject({ namespace: "debian:10", name: "firmware-nonfree" });
    expect(dla[0]!.aliases).toHaveLength(11);
    const dtsa = await records(`${DEB}security-tracker/DTSA.list`);
    expect(dtsa).toHaveLength(208);
    expect(dtsa[0]!.affected[0]).toMatchObject({
      namespace: "debian:4",
      name: "kismet",
      fixedVersions: ["2005.08.R1-0.1etch1"],
      severity: { source: "debian", rating: "high" },
    });
    expect(dtsa[0]!.published).toBe("2005-08-26T00:00:00.000Z");
  });

  it("parses both date styles", () => {
    expect(parseListDate("01 Apr 2023")).toBe("2023-04-01T00:00:00.000Z");
    expect(parseListDate("September 22nd, 2005")).toBe("2005-09-22T00:00:00.000Z");
    expect(parseListDate("someday")).toBeUndefined();
  });
});

describe("Debian security tracker JSON", () => {
  it("maps statuses: fixed, not_affected (fixed 0), end_of_life, negligible for unimportant", async () => {
    const recs = await records(`${DEB}vunnel-sample/test-fixtures/input/debian.json`);
    const proto = recs.find((r) => r.id === "DEBIAN-CVE-2008-7220")!;
    expect(proto.aliases).toEqual(["CVE-2008-7220"]);
    expect(proto.affected.map((a) => a.namespace).sort()).toEqual([
      "debian:10",
      "debian:8",
      "debian:9",
      "debian:sid",
    ]);
    expect(proto.affected[0]).toMatchObject({
      name: "prototypejs",
      status: "fixed",
      fixedVersions: ["1.6.0.2-1"],
      severity: { source: "debian", ratingText: "high**", rating: "high" },
    });
    const all = recs.flatMap((r) => r.affected);
    expect(
      all.filter((a) => a.status === "not_affected").every((a) => a.severity?.rating === "negligible"),
    ).toBe(true);
    expect(all.some((a) => a.status === "end_of_life")).toBe(true);
    // a CVE with an empty releases list is still recorded, with no affected entries
    expect(recs.find((r) => r.id === "DEBIAN-CVE-2022-0358")!.affected).toEqual([]);
  });

  it("keeps open+unimportant as affected with rating negligible (documented choice)", async () => {
    const recs = await records(`${DEB}osv.dev-sample/debian_security_tracker_mock.json`);
    const open = recs.flatMap((r) => r.affected).filter((a) => a.status === "affected");
    expect(open.length).toBe(3);
    expect(open.every((a) => a.severity?.rating === "negligible" && a.ranges[0]!.events.length === 1)).toBe(
      true,
    );
  });

  it("maps nodsa reasons to will_not_fix / fix_deferred", async () => {
    const { debianTrackerFeed } = await import("./debian.js");
    const doc = {
      openssl: {
        "CVE-2099-0001": {
          description: "x",
          releases: {
            bookworm: { status: "open", urgency: "low", nodsa: "Minor issue", nodsa_reason: "ignored" },
            bullseye: { status: "open", urgency: "low", nodsa: "Minor issue", nodsa_reason: "postponed" },
            trixie: { status: "undetermined", urgency: "not yet assigned" },
            forky: "garbage",
          },
        },
        "CVE-2099-0002": "not an object",
      },
    };
    const skipped: string[] = [];
    const out: AdvisoryRecord[] = [];
    for await (const r of debianTrackerFeed.parse(
      { name: "t.json", data: Buffer.from(JSON.stringify(doc)) },
      { skip: (n, why) => void skipped.push(`${n}: ${why}`) },
    ))
      out.push(r as AdvisoryRecord);
    expect(out).toHaveLength(1);
    expect(skipped).toEqual(["openssl/CVE-2099-0002: CVE entry is not an object"]);
    expect(out[0]!.affected.map((a) => [a.namespace, a.status])).toEqual([
      ["debian:12", "will_not_fix"],
      ["debian:11", "fix_deferred"],
      ["debian:13", "under_investigation"],
    ]);
    expect(out[0]!.affected[0]!.note).toBe("no-dsa (ignored): Minor issue");
  });
});
