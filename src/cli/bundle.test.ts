import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";

// The CLI bundle carries its own copies of the dependencies in scripts/bundled-deps.json, one file per
// package in dist/cli/deps/ (scripts/bundle.mjs). These tests run the built bundle (`npm run build`).
const root = fileURLToPath(new URL("../../", import.meta.url));
const require = createRequire(import.meta.url);
const ids = JSON.parse(readFileSync(join(root, "scripts/bundled-deps.json"), "utf8")) as string[];
const { bundledDepFile, packageOf } = require(join(root, "scripts/bundled-dep-file.cjs")) as {
  bundledDepFile(id: string): string;
  packageOf(id: string): string;
};
const tmp = mkdtempSync(join(tmpdir(), "vigil-bundle-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** The names a module exports, and of what kind (function, object…), sorted. */
function shape(mod: unknown): string[] {
  const m = mod as Record<string, unknown>;
  return Object.keys(m)
    .map((k) => `${k}:${typeof m[k]}`)
    .sort();
}

describe("bundled dependencies", () => {
  it("export the same API as the packages in node_modules", () => {
    expect(ids).toContain("packageurl-js");
    for (const id of ids) {
      const file = join(root, "dist/cli/deps", bundledDepFile(id));
      const bundled = (require(file) as Record<string, unknown>)[id];
      expect(bundled, id).toBeDefined();
      expect(typeof bundled, id).toBe(typeof require(id));
      expect(shape(bundled), id).toEqual(shape(require(id)));
    }
  });

  it("keep packageurl-js's helper objects in the package's key order, with its collator patched out", () => {
    const keysDeep = (o: unknown): unknown =>
      o && typeof o === "object"
        ? Object.entries(o as Record<string, unknown>).map(([k, v]) => [k, keysDeep(v)])
        : typeof o;
    const file = join(root, "dist/cli/deps", bundledDepFile("packageurl-js"));
    expect(readFileSync(file, "utf8")).not.toContain("Intl.Collator");
    const bundled = (require(file) as Record<string, { PurlComponent: unknown }>)["packageurl-js"]!;
    const pkg = require("packageurl-js") as { PurlComponent: unknown };
    expect(keysDeep(bundled.PurlComponent)).toEqual(keysDeep(pkg.PurlComponent));
  });

  it("are what the bundle loads: an index and a report read none of those packages from node_modules", () => {
    // A preload that records every file Node resolves from node_modules.
    const log = join(tmp, "resolved.txt");
    const hook = join(tmp, "hook.cjs");
    writeFileSync(
      hook,
      `const M = require("node:module"), fs = require("node:fs");
const orig = M._resolveFilename;
M._resolveFilename = function (...a) {
  const f = orig.apply(this, a);
  if (f.includes("/node_modules/")) fs.appendFileSync(${JSON.stringify(log)}, f + "\\n");
  return f;
};`,
    );
    const r = spawnSync(
      process.execPath,
      [
        "-r",
        hook,
        join(root, "dist/cli/vigil.cjs"),
        "sbom",
        "--format",
        "cyclonedx",
        "--no-cache",
        "-q",
        `oci-dir://${join(root, "examples/debian-app")}`,
      ],
      { encoding: "utf8", env: { ...process.env, VIGIL_CACHE_DIR: join(tmp, "cache") } },
    );
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    // The report has purls (packageurl-js) and came through commander.
    expect(
      JSON.parse(r.stdout).components.some((c: { purl?: string }) => c.purl?.startsWith("pkg:deb/")),
    ).toBe(true);
    let resolved: string[] = [];
    try {
      resolved = readFileSync(log, "utf8").trim().split("\n");
    } catch {
      // nothing resolved from node_modules at all
    }
    const fromBundledPackages = resolved.filter((f) =>
      ids.some((id) => f.includes(`/node_modules/${packageOf(id)}/`)),
    );
    expect(fromBundledPackages).toEqual([]);
  });
});

describe("the bundle's own requires", () => {
  it("load with require: the bundle turns import() into require, which an ES-module-only package would refuse", () => {
    const bundle = readFileSync(join(root, "dist/cli/vigil.cjs"), "utf8");
    const packages = [
      ...new Set([...bundle.matchAll(/require\("([^"./][^"]*)"\)/g)].map((m) => m[1]!)),
    ].filter((id) => !id.startsWith("node:"));
    // the lazily imported ones among them
    expect(packages).toEqual(expect.arrayContaining(["better-sqlite3", "fzstd", "undici"]));
    for (const id of packages) expect(() => require(id), id).not.toThrow();
  });
});

describe("V8 code caches of the build (scripts/code-cache.mjs)", () => {
  it("are valid for this Node: the launcher uses them for the bundle and the dependencies it loads", () => {
    const r = spawnSync(
      join(root, "bin/vigil.cjs"),
      ["sbom", "--no-cache", "-q", `oci-dir://${join(root, "examples/debian-app")}`],
      { encoding: "utf8", env: { ...process.env, VIGIL_DEBUG: "1", VIGIL_CACHE_DIR: join(tmp, "cc") } },
    );
    expect(r.status, r.stderr).toBe(0);
    const states = Object.fromEntries(
      [...r.stderr.matchAll(/code cache of .*\/dist\/cli\/(.+): (.+)/g)].map((m) => [m[1], m[2]]),
    );
    expect(states).toEqual({
      "vigil.cjs": "used",
      "deps/commander.cjs": "used",
      "deps/packageurl-js.cjs": "used",
    });
    // the report is the same as without them
    const plain = spawnSync(
      process.execPath,
      [
        join(root, "dist/cli/vigil.cjs"),
        "sbom",
        "--no-cache",
        "-q",
        `oci-dir://${join(root, "examples/debian-app")}`,
      ],
      { encoding: "utf8", env: { ...process.env, VIGIL_CACHE_DIR: join(tmp, "cc") } },
    );
    expect(plain.status).toBe(0);
    const withoutTime = (out: string) => ({ ...JSON.parse(out), createdAt: undefined });
    expect(withoutTime(r.stdout)).toEqual(withoutTime(plain.stdout));
  });
});
