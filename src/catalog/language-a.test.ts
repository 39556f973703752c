import { describe, expect, it } from "vitest";
import { languageCatalogersA } from "./language-a.js";

describe("languageCatalogersA", () => {
  it("lists the five part-A catalogers with unique names, file attribution", () => {
    expect(languageCatalogersA.map((c) => c.name)).toEqual(["npm", "python", "ruby", "composer", "nuget"]);
    for (const c of languageCatalogersA) {
      expect(c.kind).toBe("language");
      expect(c.attribution).toBe("file");
    }
  });
  it("no two catalogers want the same evidence file", () => {
    const paths = [
      "/app/node_modules/a/package.json",
      "/app/package-lock.json",
      "/usr/lib/python3/dist-packages/x-1.dist-info/METADATA",
      "/usr/local/bundle/specifications/rack-2.2.3.gemspec",
      "/app/Gemfile.lock",
      "/var/www/vendor/composer/installed.json",
      "/var/www/composer.lock",
      "/app/MyApp.deps.json",
      "/src/packages.lock.json",
    ];
    for (const p of paths) {
      expect(languageCatalogersA.filter((c) => c.wants(p, 100)).length, p).toBe(1);
    }
    expect(languageCatalogersA.some((c) => c.wants("/usr/bin/ls", 100))).toBe(false);
  });
});
