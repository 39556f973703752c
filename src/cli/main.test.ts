import { execFileSync, spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const main = fileURLToPath(new URL("../../dist/cli/main.js", import.meta.url));

describe("cli entry (built)", () => {
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
});
