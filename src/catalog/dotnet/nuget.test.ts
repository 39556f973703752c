import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { runCataloger, type VirtualFile } from "../language-a-testing.js";
import { nugetCataloger } from "./cataloger.js";
import { parseDepsJson, parsePackagesLock } from "./nuget.js";

const corpus = fileURLToPath(new URL("../../../../shared/corpus/", import.meta.url));
const dn = join(corpus, "pkgdb/dotnet");
const trivyRepo = join(corpus, "expected/trivy/fixtures/repo");
const text = (p: string): string => readFileSync(p, "utf8");

function goldenSet(name: string): string[] {
  const doc = JSON.parse(text(join(corpus, "expected/trivy/golden", name))) as {
    Results: { Packages?: { Name: string; Version: string }[] }[];
  };
  return doc.Results.flatMap((r) => r.Packages ?? [])
    .map((p) => `${p.Name}@${p.Version}`)
    .sort();
}
const names = (r: { records: { name: string; version: string }[] }): string[] =>
  r.records.map((x) => `${x.name}@${x.version}`).sort();

describe("nuget parsers", () => {
  it("packages.lock.json equals Trivy's golden", () => {
    expect(names(parsePackagesLock(text(join(trivyRepo, "nuget/packages.lock.json"))))).toEqual(
      goldenSet("nuget.json.golden"),
    );
  });
  it("deps.json: Trivy also lists the app's own project; Vigil lists packages only", () => {
    const mine = names(parseDepsJson(text(join(trivyRepo, "dotnet/datacollector.deps.json"))));
    expect(mine).toEqual(["Newtonsoft.Json@9.0.1"]);
    // Trivy's golden adds Microsoft.VisualStudio.TestPlatform.Common, a library of type "project":
    // the application itself, not a dependency (like an npm project's own package.json).
    expect(goldenSet("dotnet.json.golden").filter((p) => !mine.includes(p))).toEqual([
      "Microsoft.VisualStudio.TestPlatform.Common@17.2.0-release-20220408-11",
    ]);
  });
  it("syft and osv-scalibr deps.json files", () => {
    const lib = parseDepsJson(text(join(dn, "syft/dotnet/testdata/dir-example-1/TestLibrary.deps.json")));
    expect(lib.records).toHaveLength(12);
    expect(names(lib)).toContain("Serilog.Sinks.Console@4.0.1");
    const refAsm = parseDepsJson(
      text(join(dn, "syft/dotnet/testdata/deps-with-referenceassembly/MyApp.deps.json")),
    );
    expect(names(refAsm)).toEqual(["Newtonsoft.Json@13.0.3"]);
    const single = parseDepsJson(
      text(join(dn, "syft/internal/dotnet/pe/testdata/net8-app-single-file.deps.json")),
    );
    expect(names(single)).toContain("Microsoft.NETCore.App.Runtime.win-x64@8.0.14");
    expect(single.records.find((r) => r.name.startsWith("Microsoft.NETCore"))?.metadata.libraryType).toBe(
      "runtimepack",
    );
    const noName = parseDepsJson(text(join(dn, "osv-scalibr/nopackagename")));
    expect(names(noName)).toEqual(["AWSSDK.Core@3.7.10.6"]);
    expect(noName.warnings).toHaveLength(1);
  });
  it("bad input gives warnings", () => {
    expect(parseDepsJson("{").warnings[0]).toMatch(/not valid JSON/);
    expect(parseDepsJson("[]").warnings[0]).toMatch(/not a JSON object/);
    expect(parsePackagesLock('{"dependencies": {"net6.0": {"A": {"type": "Direct"}}}}').warnings[0]).toMatch(
      /no valid resolved version/,
    );
  });
});

describe("nuget cataloger", () => {
  it("deps.json packages with purl, location and layer; packages.lock.json ignored when a deps.json exists", async () => {
    const files: VirtualFile[] = [
      {
        path: "/app/TestLibrary.deps.json",
        source: join(dn, "syft/dotnet/testdata/dir-example-1/TestLibrary.deps.json"),
        layerIndex: 2,
      },
      { path: "/src/packages.lock.json", source: join(trivyRepo, "nuget/packages.lock.json"), layerIndex: 2 },
      { path: "/app/broken.deps.json", source: Buffer.from("{nope") },
    ];
    const res = await runCataloger(nugetCataloger, files);
    expect(res.packages).toHaveLength(12);
    const nj = res.packages.find((p) => p.name === "Newtonsoft.Json");
    expect(nj?.purl).toBe("pkg:nuget/Newtonsoft.Json@13.0.1");
    expect(nj?.locations).toEqual([{ path: "/app/TestLibrary.deps.json", layerIndex: 2 }]);
    expect(nj?.id).toBe("nuget:Newtonsoft.Json@13.0.1:/app/TestLibrary.deps.json");
    expect(res.warnings).toHaveLength(1);
    expect(res.warnings[0]).toContain("/app/broken.deps.json");
  });
  it("packages.lock.json alone is the evidence", async () => {
    const res = await runCataloger(nugetCataloger, [
      { path: "/src/packages.lock.json", source: join(trivyRepo, "nuget/packages.lock.json") },
    ]);
    expect(res.packages.map((p) => `${p.name}@${p.version}`).sort()).toEqual(goldenSet("nuget.json.golden"));
    expect(res.packages.every((p) => p.metadata?.evidence === "lockfile")).toBe(true);
  });
});
