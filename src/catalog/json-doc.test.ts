import { describe, expect, it } from "vitest";
import { readJson, readJsonObject } from "./json-doc.js";
import { parseComposerLock } from "./php/composer.js";

describe("readJson / readJsonObject", () => {
  it("parses, ignoring a leading UTF-8 BOM", () => {
    expect(readJson('\uFEFF[1,"a"]')).toEqual({ ok: true, doc: [1, "a"] });
    expect(readJsonObject('\uFEFF{"a":1}')).toEqual({ ok: true, doc: { a: 1 } });
  });

  it("names what is wrong, briefly, for broken or non-object input", () => {
    const bad = readJson(`{"a": "${"x".repeat(5000)}`);
    expect(bad.ok).toBe(false);
    if (!bad.ok) {
      expect(bad.problem).toMatch(/^not valid JSON \(/);
      expect(bad.problem.length).toBeLessThan(140);
    }
    for (const t of ["[]", "null", "3", '"s"'])
      expect(readJsonObject(t), t).toEqual({ ok: false, problem: "not a JSON object" });
  });

  it("lets the catalogers read lockfiles that Windows tools wrote with a BOM", () => {
    const lock = '\uFEFF{"packages":[{"name":"monolog/monolog","version":"3.5.0"}]}';
    expect(parseComposerLock(lock).records.map((r) => `${r.name}@${r.version}`)).toEqual([
      "monolog/monolog@3.5.0",
    ]);
  });
});
