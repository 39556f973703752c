import { spawnSync } from "node:child_process";
import {
  chmodSync,
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";

const LAUNCHER = fileURLToPath(new URL("../../bin/vigil.cjs", import.meta.url));
const work = mkdtempSync(join(tmpdir(), "vigil-launcher-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** The launcher beside a stand-in bundle that prints its arguments, and tsc's main.js of a given age. */
function install(
  bundleAge: number,
  mainAge: number | undefined,
  bundleSource = 'process.stdout.write(["bundle", ...process.argv.slice(2)].join(" ") + "\\n");\n',
): string {
  const root = mkdtempSync(join(work, "pkg-"));
  mkdirSync(join(root, "bin"));
  mkdirSync(join(root, "dist", "cli"), { recursive: true });
  const launcher = join(root, "bin", "vigil.cjs");
  copyFileSync(LAUNCHER, launcher);
  chmodSync(launcher, 0o755);
  const bundle = join(root, "dist", "cli", "vigil.cjs");
  writeFileSync(bundle, bundleSource);
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

  it("says in one line that the build is missing when there is no bundle", () => {
    const launcher = install(10, 20);
    rmSync(join(launcher, "..", "..", "dist", "cli", "vigil.cjs"));
    const r = spawnSync(launcher, ["sbom"], { encoding: "utf8" });
    expect(r.status).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr).toBe("vigil: dist/cli/vigil.cjs is missing: run `npm run build` (after `npm ci`)\n");
  });

  describe("malloc tuning (GLIBC_TUNABLES)", () => {
    // A `node` first on PATH records the environment the launcher execs it with, then runs the real Node.
    // (glibc rewrites the variable in place while it parses it, so /proc/self/environ cannot tell.) The
    // stand-in bundle reports what Vigil's own code sees and what a child process it spawns gets.
    const fakeBin = mkdtempSync(join(work, "bin-"));
    const record = join(fakeBin, "started");
    writeFileSync(
      join(fakeBin, "node"),
      `#!/bin/sh\nprintf '%s|%s' "\${GLIBC_TUNABLES-unset}" "\${VIGIL_MALLOC_TUNED-unset}" > '${record}'\nexec '${process.execPath}' "$@"\n`,
    );
    chmodSync(join(fakeBin, "node"), 0o755);
    const report = `
      const { execFileSync } = require("node:child_process");
      const child = execFileSync("/bin/sh", ["-c", 'echo "\${GLIBC_TUNABLES-unset}|\${VIGIL_MALLOC_TUNED-unset}"'],
        { encoding: "utf8" }).trim();
      process.stdout.write(JSON.stringify({ own: process.env.GLIBC_TUNABLES ?? null,
        marker: process.env.VIGIL_MALLOC_TUNED ?? null, child }));
    `;
    const run = (extra: NodeJS.ProcessEnv) => {
      const env: NodeJS.ProcessEnv = { ...process.env, PATH: `${fakeBin}:${process.env.PATH ?? ""}` };
      delete env.GLIBC_TUNABLES;
      delete env.VIGIL_MALLOC_TUNED;
      rmSync(record, { force: true });
      const r = spawnSync(install(10, 20, report), [], { encoding: "utf8", env: { ...env, ...extra } });
      expect(r.stderr).toBe("");
      expect(r.status).toBe(0);
      return {
        ...(JSON.parse(r.stdout) as { own: string | null; marker: string | null; child: string }),
        started: readFileSync(record, "utf8"),
      };
    };

    it("starts Node with huge-page malloc and freed memory kept, then hides the setting from child processes", () => {
      const r = run({});
      expect(r.started).toBe(
        "glibc.malloc.hugetlb=1:glibc.malloc.mmap_threshold=16777216:glibc.malloc.trim_threshold=268435456|1",
      );
      expect(r.own).toBeNull();
      expect(r.marker).toBeNull();
      expect(r.child).toBe("unset|unset");
    });

    it("leaves a user's GLIBC_TUNABLES alone, even an empty one", () => {
      for (const value of ["glibc.malloc.arena_max=2", ""]) {
        // a stray marker from the caller does not make Vigil drop the user's setting
        const r = run({ GLIBC_TUNABLES: value, VIGIL_MALLOC_TUNED: "1" });
        expect(r.started).toBe(`${value}|unset`);
        expect(r.own).toBe(value);
        expect(r.marker).toBeNull();
        expect(r.child).toBe(`${value}|unset`);
      }
    });
  });

  describe("V8 code caches", () => {
    // A stand-in bundle that loads a "dependency" the way the real bundle's entry does (through the
    // launcher's loader) and prints what both computed, and whether the variable that makes the launcher
    // write caches reached it.
    const bundleSource = `"use strict";
const load = globalThis[Symbol.for("vigil.loadBundled")] ?? require;
const dep = load(require("node:path").join(__dirname, "dep.cjs"));
function square(n) { return n * n; }
process.stdout.write(JSON.stringify({ square: square(7), dep: dep.twice(21),
  write: process.env.VIGIL_CODE_CACHE_WRITE ?? null }) + "\\n");
`;
    const setup = () => {
      const launcher = install(10, 20, bundleSource);
      const cli = join(launcher, "..", "..", "dist", "cli");
      writeFileSync(join(cli, "dep.cjs"), "module.exports = { twice: (n) => 2 * n };\n");
      return { launcher, bundle: join(cli, "vigil.cjs"), dep: join(cli, "dep.cjs") };
    };
    const run = (launcher: string, env: NodeJS.ProcessEnv = {}) => {
      const r = spawnSync(launcher, ["cves"], {
        encoding: "utf8",
        env: { ...process.env, VIGIL_DEBUG: "1", ...env },
      });
      expect(r.status, r.stderr).toBe(0);
      const states = Object.fromEntries(
        [...r.stderr.matchAll(/code cache of .*\/([^/]+): (.+)/g)].map((m) => [m[1], m[2]]),
      );
      return { out: JSON.parse(r.stdout) as Record<string, unknown>, states };
    };
    const expected = { square: 49, dep: 42, write: null };

    it("are written by a run with VIGIL_CODE_CACHE_WRITE=1 for every file it loaded, then used", () => {
      const { launcher, bundle, dep } = setup();
      expect(run(launcher)).toEqual({
        out: expected,
        states: { "vigil.cjs": "absent", "dep.cjs": "absent" },
      });
      // the variable is for the launcher alone: the CLI and what it runs do not see it
      expect(run(launcher, { VIGIL_CODE_CACHE_WRITE: "1" }).out).toEqual(expected);
      for (const f of [bundle, dep]) {
        const cache = readFileSync(`${f}.cache`);
        expect(cache.subarray(0, 8).toString()).toBe("VIGILCC1");
        expect(cache.length).toBeGreaterThan(72);
      }
      expect(run(launcher)).toEqual({ out: expected, states: { "vigil.cjs": "used", "dep.cjs": "used" } });
    });

    it("that cannot be written give a warning and exit code 1 after the run's own output", () => {
      const { launcher, bundle } = setup();
      mkdirSync(`${bundle}.cache.tmp`); // in the way of the write
      const r = spawnSync(launcher, ["cves"], {
        encoding: "utf8",
        env: { ...process.env, VIGIL_CODE_CACHE_WRITE: "1" },
      });
      expect(JSON.parse(r.stdout)).toEqual(expected);
      expect(r.stderr).toMatch(/^vigil: warning: cannot write the code cache of .*vigil\.cjs: .*\n$/);
      expect(r.status).toBe(1);
    });

    it("are not used for another source, even one of the same length (V8 checks only the length)", () => {
      const { launcher, bundle } = setup();
      run(launcher, { VIGIL_CODE_CACHE_WRITE: "1" });
      const changed = bundleSource.replace("n * n", "n + n");
      expect(changed.length).toBe(bundleSource.length);
      writeFileSync(bundle, changed);
      expect(run(launcher)).toEqual({
        out: { ...expected, square: 14 },
        states: { "vigil.cjs": "stale", "dep.cjs": "used" },
      });
    });

    it("are not used when damaged: a changed byte, a truncated file, an empty one", () => {
      const { launcher, bundle } = setup();
      run(launcher, { VIGIL_CODE_CACHE_WRITE: "1" });
      const good = readFileSync(`${bundle}.cache`);
      const flipped = Buffer.from(good);
      flipped[good.length - 100] = flipped[good.length - 100]! ^ 0xff;
      for (const bad of [flipped, good.subarray(0, good.length - 1), good.subarray(0, 72), Buffer.alloc(0)]) {
        writeFileSync(`${bundle}.cache`, bad);
        expect(run(launcher)).toEqual({
          out: expected,
          states: { "vigil.cjs": "damaged", "dep.cjs": "used" },
        });
      }
    });
  });
});
