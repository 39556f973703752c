import { describe, expect, it } from "vitest";
import { languageCatalogersA } from "../catalog/language-a.js";
import { languageCatalogersB } from "../catalog/language-b.js";
import { osCatalogers } from "../catalog/os.js";
import type { Cataloger } from "../catalog/types.js";
import { allCatalogers, catalogersKey, indexerVersion } from "./catalogers.js";

describe("cataloger list", () => {
  it("runs every OS and language cataloger once, OS first", () => {
    const all = allCatalogers();
    expect(all.length).toBe(osCatalogers.length + languageCatalogersA.length + languageCatalogersB.length);
    expect(new Set(all.map((c) => c.name)).size).toBe(all.length);
    const firstLanguage = all.findIndex((c) => c.kind === "language");
    expect(all.slice(0, firstLanguage).every((c) => c.kind === "os")).toBe(true);
    expect(all.map((c) => c.name)).toEqual(
      expect.arrayContaining(["dpkg", "apk", "rpm", "npm", "python", "java"]),
    );
  });

  it("changes the indexer version when a cataloger's version changes", () => {
    const all = allCatalogers();
    const bumped: Cataloger[] = all.map((c, i) => (i === 0 ? { ...c, version: `${c.version}.1` } : c));
    expect(indexerVersion(bumped)).not.toBe(indexerVersion(all));
    expect(catalogersKey([...all].reverse())).toBe(catalogersKey(all));
    expect(indexerVersion(all)).toMatch(/^\d+\.\d+\.\d+\+[0-9a-f]{12}$/);
  });
});
