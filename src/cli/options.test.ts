import { describe, expect, it } from "vitest";
import { VigilError } from "../core/errors.js";
import { checkExclusive, checkFormat, imageOptionsFrom, sourceOptionsFrom } from "./options.js";

function usage(f: () => void): string {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(VigilError);
    expect((e as VigilError).code).toBe("USAGE");
    return (e as VigilError).message;
  }
  throw new Error("no error");
}

describe("shared flag checks", () => {
  it("names the allowed formats", () => {
    expect(() => checkFormat("json", ["text", "json"])).not.toThrow();
    expect(usage(() => checkFormat("xml", ["text", "json"]))).toBe(
      '--format: unknown format "xml" (expected text, json)',
    );
  });

  it("refuses two flags that exclude each other, and only both", () => {
    expect(() => checkExclusive(true, "--a", undefined, "--b")).not.toThrow();
    expect(() => checkExclusive(false, "--a", true, "--b")).not.toThrow();
    expect(usage(() => checkExclusive(true, "--only-fixed", true, "--only-unfixed"))).toBe(
      "--only-fixed and --only-unfixed exclude each other",
    );
  });

  it("passes platform, limits, logger, registry, --db and --no-cache on", () => {
    const common = imageOptionsFrom({ platform: "linux/arm64", quiet: true });
    const o = sourceOptionsFrom(common, { db: "/x.sqlite", cache: false });
    expect(o).toMatchObject({ platform: "linux/arm64", db: "/x.sqlite", cache: false });
    expect(o.limits).toBe(common.limits);
    expect(o.logger).toBe(common.logger);
    expect(sourceOptionsFrom(common, {})).not.toHaveProperty("db");
    expect(sourceOptionsFrom(common, {}).cache).toBe(true);
  });
});
