import { describe, expect, it } from "vitest";
import { basicProblem, ParseCache } from "./cache.js";
import { InvalidVersionError } from "./types.js";

describe("ParseCache", () => {
  it("stays bounded and keeps recently used entries", () => {
    const c = new ParseCache<number>(100);
    for (let i = 0; i < 1000; i++) c.set(`k${i}`, i);
    expect(c.size).toBeLessThanOrEqual(200);
    expect(c.get("k999")).toBe(999);
    expect(c.get("k0")).toBeUndefined();
    // a hit in the old generation is promoted and survives the next turnover
    const d = new ParseCache<number>(2);
    d.set("a", 1);
    d.set("b", 2);
    d.set("c", 3); // a, b now old
    expect(d.get("a")).toBe(1); // promoted into the young generation
    d.set("e", 5); // turnover: old = {c, a}
    expect(d.get("a")).toBe(1);
    expect(d.get("b")).toBeUndefined();
  });
});

describe("basicProblem", () => {
  it("flags non-strings, control characters and over-long input", () => {
    expect(basicProblem(1)).toBe("not a string");
    expect(basicProblem("1.0\u007f")).toContain("control");
    expect(basicProblem("1".repeat(1025))).toContain("longer than");
    expect(basicProblem("1.0")).toBeUndefined();
  });
});

describe("InvalidVersionError", () => {
  it("quotes the version JSON-escaped and cut at 80 characters", () => {
    const e = new InvalidVersionError("deb", `1\n${"x".repeat(200)}`, "bad");
    expect(e.message.startsWith('invalid deb version "1\\nxxx')).toBe(true);
    expect(e.message.endsWith('…": bad')).toBe(true);
    expect(e.message.length).toBeLessThan(120);
    expect(e.scheme).toBe("deb");
  });
});
