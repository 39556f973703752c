import { execFileSync, spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const dist = (f: string) => fileURLToPath(new URL(`../../dist/cli/${f}`, import.meta.url));

// The bundle (scripts/bundle.mjs) is what the `vigil` launcher runs; main.js is tsc's output of the
// same code, which `node dist/cli/main.js` runs. The other CLI tests run the bundle.
describe.each([
  ["bundle", dist("vigil.cjs")],
  ["tsc output", dist("main.js")],
])("cli entry (built: %s)", (_, main) => {
  it("prints its version", () => {
    const out = execFileSync(process.execPath, [main, "--version"], { encoding: "utf8" });
    expect(out.trim()).toMatch(/^\d+\.\d+\.\d+/);
  });

  it("answers the Docker CLI plugin metadata call", () => {
    const out = execFileSync(process.execPath, [main, "docker-cli-plugin-metadata"], { encoding: "utf8" });
    const meta = JSON.parse(out) as Record<string, string>;
    expect(meta.SchemaVersion).toBe("0.1.0");
    expect(meta.Vendor).toBe("Vigil");
  });

  it("rejects an unknown command with the usage exit code", () => {
    const r = spawnSync(process.execPath, [main, "no-such-command"], { encoding: "utf8" });
    expect(r.status).toBe(64);
  });

  it("finds every command module, with its options", () => {
    const help = execFileSync(process.execPath, [main, "--help"], { encoding: "utf8" });
    for (const c of [
      "base",
      "cache",
      "compare",
      "cves",
      "db",
      "quickview",
      "recommendations",
      "sbom",
      "version",
    ])
      expect(help).toMatch(new RegExp(`^  ${c}\\b`, "m"));
    const cves = execFileSync(process.execPath, [main, "cves", "--help"], { encoding: "utf8" });
    expect(cves).toContain("--only-severity");
  });
});
