import { describe, expect, it } from "vitest";
import { languageCatalogersA } from "../catalog/language-a.js";
import { languageCatalogersB } from "../catalog/language-b.js";
import { osCatalogers } from "../catalog/os.js";
import type { Cataloger } from "../catalog/types.js";
import { DEFAULT_CATALOGER_IDS } from "./cataloger-manifest.js";
import { allCatalogers, catalogersKey, indexerVersion } from "./catalogers.js";

describe("cataloger list", () => {
  it("is what the light manifest says (cache keys are computed from it without loading catalogers)", () => {
    const ids = allCatalogers().map((c) => ({ name: c.name, version: c.version }));
    expect(ids).toEqual(DEFAULT_CATALOGER_IDS.map((c) => ({ ...c })));
    expect(indexerVersion(DEFAULT_CATALOGER_IDS)).toBe(indexerVersion(allCatalogers()));
  });

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
