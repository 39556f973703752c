import { describe, expect, it } from "vitest";
import { collate } from "./collate.js";
import { seededRandom } from "./test-helpers/random.js";

const icu = new Intl.Collator("en");
const sign = (x: number) => Math.sign(x);

describe("collate", () => {
  const printable = Array.from({ length: 0x7f - 0x20 }, (_, i) => String.fromCharCode(0x20 + i));

  it("orders every pair of printable ASCII characters as ICU's root collation does", () => {
    for (const a of printable)
      for (const b of printable) expect(collate(a, b), JSON.stringify([a, b])).toBe(sign(icu.compare(a, b)));
  });

  it("orders random printable ASCII strings as ICU does (prefixes, case, punctuation, digits)", () => {
    // A small alphabet makes equal prefixes and case-only differences common.
    const alphabet = "aAbBzZ019-._:@/+~ ";
    const rnd = seededRandom(12345);
    const word = () => Array.from({ length: rnd(7) }, () => alphabet[rnd(alphabet.length)]).join("");
    for (let i = 0; i < 20_000; i++) {
      const a = word();
      const b = rnd(4) === 0 ? a.toUpperCase() : word();
      expect(collate(a, b), JSON.stringify([a, b])).toBe(sign(icu.compare(a, b)));
    }
  });

  it("sorts real package names, ids and advisory ids as localeCompare in English does", () => {
    const names = [
      "libssl3",
      "libssl-dev",
      "libc6",
      "libc6-dev",
      "python3.11",
      "python3-minimal",
      "@babel/core",
      "@types/node",
      "lodash",
      "Lodash",
      "lodash.merge",
      "lodash_merge",
      "deb:libssl3@3.0.11-1~deb12u2:amd64",
      "deb:libssl3@3.0.11-1+deb12u2:amd64",
      "CVE-2023-0001",
      "CVE-2023-00010",
      "GHSA-xxxx-yyyy-zzzz",
      "cve-2023-0001",
      "",
    ];
    expect([...names].sort(collate)).toEqual([...names].sort((a, b) => a.localeCompare(b, "en")));
  });

  it("hands anything beyond printable ASCII to ICU", () => {
    for (const [a, b] of [
      ["é", "f"],
      ["résumé", "resume"],
      ["a\tb", "a b"],
      ["Ångström", "Zulu"],
      ["日本", "abc"],
    ])
      expect(collate(a!, b!)).toBe(sign(icu.compare(a!, b!)));
  });
});
