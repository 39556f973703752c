import { spawnSync } from "node:child_process";
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";

const LAUNCHER = fileURLToPath(new URL("../../bin/vigil.cjs", import.meta.url));
const work = mkdtempSync(join(tmpdir(), "vigil-launcher-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** The launcher beside a stand-in bundle that prints its arguments, and tsc's main.js of a given age. */
function install(bundleAge: number, mainAge: number | undefined): string {
  const root = mkdtempSync(join(work, "pkg-"));
  mkdirSync(join(root, "bin"));
  mkdirSync(join(root, "dist", "cli"), { recursive: true });
  const launcher = join(root, "bin", "vigil.cjs");
  copyFileSync(LAUNCHER, launcher);
  chmodSync(launcher, 0o755);
  const bundle = join(root, "dist", "cli", "vigil.cjs");
  writeFileSync(bundle, 'process.stdout.write(["bundle", ...process.argv.slice(2)].join(" ") + "\\n");\n');
  const now = Date.now() / 1000;
  utimesSync(bundle, now - bundleAge, now - bundleAge);
  if (mainAge !== undefined) {
    const main = join(root, "dist", "cli", "main.js");
    writeFileSync(main, "");
    utimesSync(main, now - mainAge, now - mainAge);
  }
  return launcher;
}

describe("bin/vigil.cjs", () => {
  it("runs the bundle with the arguments, silently when the bundle is newer than tsc's output", () => {
    const r = spawnSync(install(10, 20), ["cves", "--format", "json"], { encoding: "utf8" });
    expect(r.status).toBe(0);
    expect(r.stdout).toBe("bundle cves --format json\n");
    expect(r.stderr).toBe("");
  });

  it("warns when tsc's output is newer than the bundle (a build that skipped the bundling)", () => {
    const r = spawnSync(install(20, 10), ["--version"], { encoding: "utf8" });
    expect(r.status).toBe(0);
    expect(r.stdout).toBe("bundle --version\n");
    expect(r.stderr).toBe(
      "vigil: warning: dist/cli/vigil.cjs is older than dist/cli/main.js: run `npm run build`\n",
    );
  });

  it("runs the bundle alone, without tsc's output beside it", () => {
    const r = spawnSync(install(10, undefined), ["sbom"], { encoding: "utf8" });
    expect(r.stdout).toBe("bundle sbom\n");
    expect(r.stderr).toBe("");
  });
});
