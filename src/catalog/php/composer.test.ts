import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { runCataloger, type VirtualFile } from "../language-a-testing.js";
import { composerCataloger } from "./cataloger.js";
import { parseComposerLock, parseInstalledJson } from "./composer.js";

const corpus = fileURLToPath(new URL("../../../../shared/corpus/", import.meta.url));
const php = join(corpus, "pkgdb/php");
const trivyRepo = join(corpus, "expected/trivy/fixtures/repo");

function goldenSet(name: string): string[] {
  const doc = JSON.parse(readFileSync(join(corpus, "expected/trivy/golden", name), "utf8")) as {
    Results: { Packages?: { Name: string; Version: string }[] }[];
  };
  return doc.Results.flatMap((r) => r.Packages ?? [])
    .map((p) => `${p.Name}@${p.Version}`)
    .sort();
}
const set = (r: { records: { name: string; version: string; dev: boolean }[] }): string[] =>
  r.records
    .filter((x) => !x.dev)
    .map((x) => `${x.name}@${x.version}`)
    .sort();

describe("composer parsers", () => {
  it("installed.json v1 (array) and v2 ({packages}) give the same packages; v2 marks dev packages", () => {
    const v1 = parseInstalledJson(readFileSync(join(php, "syft/vendor/composer_1/installed.json"), "utf8"));
    const v2 = parseInstalledJson(readFileSync(join(php, "syft/vendor/composer_2/installed.json"), "utf8"));
    expect(v1.records.map((r) => `${r.name}@${r.version}`)).toEqual([
      "asm89/stack-cors@1.3.0",
      "behat/mink@v1.8.1",
    ]);
    expect(v2.records.map((r) => `${r.name}@${r.version}`)).toEqual([
      "asm89/stack-cors@1.3.0",
      "behat/mink@v1.8.1",
    ]);
    expect(v2.records.find((r) => r.name === "behat/mink")?.dev).toBe(true);
    expect(v1.records[0]?.licenses).toEqual(["MIT"]);
  });
  it("matches Trivy's goldens for composer.lock and vendor/installed.json", () => {
    const lock = parseComposerLock(readFileSync(join(trivyRepo, "composer/composer.lock"), "utf8"));
    expect(set(lock)).toEqual(goldenSet("composer.lock.json.golden"));
    const vendor = parseInstalledJson(
      readFileSync(join(trivyRepo, "composer-vendor/installed.json"), "utf8"),
    );
    expect(set(vendor)).toEqual(goldenSet("composer.vendor.json.golden"));
  });
  it("bad input: warnings, other packages intact", () => {
    expect(parseInstalledJson("{oops").warnings[0]).toMatch(/not valid JSON/);
    expect(parseInstalledJson('{"packages": 3}').warnings[0]).toMatch(/neither/);
    const mixed = parseInstalledJson(
      JSON.stringify([
        { name: "a/b", version: "1.0.0" },
        { name: "nope", version: "1" },
        7,
        { name: "c/d\u001b[0m", version: "1" },
      ]),
    );
    expect(mixed.records.map((r) => r.name)).toEqual(["a/b"]);
    expect(mixed.warnings).toHaveLength(3);
  });
});

describe("composer cataloger", () => {
  it("vendor installed.json beats a composer.lock next to it; namespace from vendor/name", async () => {
    const files: VirtualFile[] = [
      {
        path: "/var/www/vendor/composer/installed.json",
        source: join(php, "trivy/composer-vendor/happy/installed.json"),
        layerIndex: 6,
      },
      { path: "/var/www/composer.lock", source: join(trivyRepo, "composer/composer.lock"), layerIndex: 6 },
    ];
    const res = await runCataloger(composerCataloger, files);
    expect(res.packages.map((p) => p.purl).sort()).toEqual([
      "pkg:composer/pear/log@1.13.3",
      "pkg:composer/pear/pear_exception@v1.0.2",
    ]);
    const log = res.packages.find((p) => p.name === "log");
    expect(log?.namespace).toBe("pear");
    expect(log?.licenses).toEqual(["MIT"]);
    expect(log?.locations).toEqual([{ path: "/var/www/vendor/composer/installed.json", layerIndex: 6 }]);
    expect(log?.id).toBe("composer:pear/log@1.13.3:/var/www/vendor/composer/installed.json");
  });
  it("a composer.lock without vendor/ is the evidence (non-dev packages)", async () => {
    const res = await runCataloger(composerCataloger, [
      { path: "/src/composer.lock", source: join(trivyRepo, "composer/composer.lock") },
      { path: "/src/vendor/x/composer.lock", source: Buffer.from("{}") },
    ]);
    expect(res.packages.map((p) => `${p.namespace}/${p.name}@${p.version}`).sort()).toEqual(
      goldenSet("composer.lock.json.golden"),
    );
    expect(res.packages.every((p) => p.metadata?.evidence === "lockfile")).toBe(true);
  });
  it("a malformed installed.json is a warning naming the file", async () => {
    const res = await runCataloger(composerCataloger, [
      { path: "/app/vendor/composer/installed.json", source: Buffer.from("[{") },
      {
        path: "/other/vendor/composer/installed.json",
        source: join(php, "syft/vendor/composer_2/installed.json"),
      },
    ]);
    expect(res.packages).toHaveLength(2);
    expect(res.warnings).toHaveLength(1);
    expect(res.warnings[0]).toContain("/app/vendor/composer/installed.json");
  });
});
