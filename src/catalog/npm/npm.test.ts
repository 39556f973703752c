import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { filesFromDir, runCataloger, type VirtualFile } from "../language-a-testing.js";
import { npmCataloger } from "./cataloger.js";
import { isInstalledManifest } from "./package-json.js";
import { parsePackageLock } from "./package-lock.js";
import { parsePnpmLock } from "./pnpm-lock.js";
import { parseYarnLock, yarnProductionSubset } from "./yarn-lock.js";

const corpus = fileURLToPath(new URL("../../../../shared/corpus/", import.meta.url));
const pkgdb = join(corpus, "pkgdb/npm");
const trivyRepo = join(corpus, "expected/trivy/fixtures/repo");
const golden = join(corpus, "expected/trivy/golden");

function goldenSet(name: string): string[] {
  const doc = JSON.parse(readFileSync(join(golden, name), "utf8")) as {
    Results: { Packages?: { Name: string; Version: string }[] }[];
  };
  return doc.Results.flatMap((r) => r.Packages ?? [])
    .map((p) => `${p.Name}@${p.Version}`)
    .sort();
}

const ids = (pkgs: { name: string; namespace?: string; version: string }[]): string[] =>
  pkgs.map((p) => `${p.namespace ? `@${p.namespace}/` : ""}${p.name}@${p.version}`).sort();

describe("npm wants", () => {
  it("accepts only manifests directly inside node_modules and lockfiles outside it", () => {
    expect(isInstalledManifest("/app/node_modules/a/package.json")).toBe(true);
    expect(isInstalledManifest("/app/node_modules/@s/a/package.json")).toBe(true);
    expect(isInstalledManifest("/app/node_modules/a/node_modules/b/package.json")).toBe(true);
    expect(isInstalledManifest("/app/node_modules/.pnpm/x@1/node_modules/x/package.json")).toBe(true);
    expect(isInstalledManifest("/app/node_modules/a/lib/package.json")).toBe(false);
    expect(isInstalledManifest("/app/node_modules/@s/package.json")).toBe(false);
    expect(isInstalledManifest("/app/node_modules/.bin/package.json")).toBe(false);
    expect(isInstalledManifest("/app/package.json")).toBe(false);
    expect(npmCataloger.wants("/app/package-lock.json", 1)).toBe(true);
    expect(npmCataloger.wants("/app/yarn.lock", 1)).toBe(true);
    expect(npmCataloger.wants("/app/node_modules/a/yarn.lock", 1)).toBe(false);
    expect(npmCataloger.wants("/app/node_modules/.package-lock.json", 1)).toBe(false);
    expect(npmCataloger.wants("/usr/lib/node_modules/npm/package.json", 1)).toBe(true);
  });
});

describe("npm lockfile parsers against Trivy's goldens", () => {
  it("package-lock v1 (trivy fixture repo/npm): non-dev set equals Trivy's", () => {
    const res = parsePackageLock(readFileSync(join(trivyRepo, "npm/package-lock.json"), "utf8"));
    const mine = [...new Set(res.records.filter((r) => !r.dev).map((r) => `${r.name}@${r.version}`))].sort();
    expect(mine).toEqual(goldenSet("npm.json.golden"));
  });
  it("pnpm-lock v6 (trivy fixture repo/pnpm) equals Trivy's", () => {
    const res = parsePnpmLock(readFileSync(join(trivyRepo, "pnpm/pnpm-lock.yaml"), "utf8"));
    expect(res.records.map((r) => `${r.name}@${r.version}`).sort()).toEqual(goldenSet("pnpm.json.golden"));
  });
  it("yarn v1 (trivy fixture repo/yarn): with package.json, the production set equals Trivy's (minus the project)", async () => {
    // Parsed alone, yarn.lock lists devDependencies too (promise and its dependency asap).
    const res = parseYarnLock(readFileSync(join(trivyRepo, "yarn/yarn.lock"), "utf8"));
    expect(res.records.map((r) => `${r.name}@${r.version}`).sort()).toEqual([
      "asap@2.0.6",
      "jquery@3.2.1",
      "promise@8.0.3",
    ]);
    // The cataloger, lockfile-only (node_modules left out), keeps what package.json's dependencies reach.
    const files = filesFromDir(join(trivyRepo, "yarn"), "/src").filter(
      (f) => !f.path.includes("/node_modules/"),
    );
    const cat = await runCataloger(npmCataloger, files);
    // Trivy also lists the project itself (integration@1.0.0); Vigil does not report a project's own manifest.
    expect(ids(cat.packages)).toEqual(goldenSet("yarn.json.golden").filter((p) => p !== "integration@1.0.0"));
  });
  it("package-lock v2 with aliases and scoped packages (osv-scalibr)", () => {
    const alias = parsePackageLock(
      readFileSync(join(pkgdb, "osv-scalibr-package-lock/alias.v2.json"), "utf8"),
    );
    const names = alias.records.map((r) => `${r.name}@${r.version}`);
    expect(names).toContain("@babel/code-frame@7.0.0");
    expect(alias.records.find((r) => r.name === "@babel/code-frame")?.metadata?.installedAs).toBe(
      "babel-code-frame",
    );
    const aliasV1 = parsePackageLock(
      readFileSync(join(pkgdb, "osv-scalibr-package-lock/alias.v1.json"), "utf8"),
    );
    expect(aliasV1.records.map((r) => `${r.name}@${r.version}`)).toContain("@babel/code-frame@7.0.0");
    const scoped = parsePackageLock(
      readFileSync(join(pkgdb, "osv-scalibr-package-lock/scoped-packages.v2.json"), "utf8"),
    );
    expect(scoped.records.some((r) => r.name.startsWith("@"))).toBe(true);
  });
  it("v1 and v2 forms of the same lockfile give the same package set", () => {
    for (const base of ["nested-dependencies", "two-packages", "scoped-packages", "optional-package"]) {
      const v1 = parsePackageLock(
        readFileSync(join(pkgdb, `osv-scalibr-package-lock/${base}.v1.json`), "utf8"),
      );
      const v2 = parsePackageLock(
        readFileSync(join(pkgdb, `osv-scalibr-package-lock/${base}.v2.json`), "utf8"),
      );
      const set = (r: typeof v1) => r.records.map((x) => `${x.installPath}:${x.name}@${x.version}`).sort();
      expect(set(v1), base).toEqual(set(v2));
      expect(v1.records.length, base).toBeGreaterThan(0);
    }
  });
  it("a lockfile that lost its package tree says so; an empty npm 6 lockfile and an old shrinkwrap do not", () => {
    const v3 = {
      name: "app",
      lockfileVersion: 3,
      requires: true,
      packages: { "": {}, "node_modules/a": { version: "1.0.0" } },
    };
    expect(parsePackageLock(JSON.stringify(v3))).toEqual({
      records: [expect.objectContaining({ name: "a", version: "1.0.0" })],
      warnings: [],
    });
    // A damaged "packages" key (a flipped bit): the v3 tree is gone, and that is a warning, not an empty tree.
    const damaged = JSON.stringify(v3).replace('"packages"', '"pacjages"');
    expect(parsePackageLock(damaged)).toEqual({
      records: [],
      warnings: ['lockfileVersion 3 without a "packages" object; read from "dependencies"'],
    });
    const noVersion = JSON.stringify({ name: "app", requires: true });
    expect(parsePackageLock(noVersion).warnings).toEqual([
      'no "lockfileVersion", "packages" or "dependencies": nothing read',
    ]);
    // npm 6 leaves `dependencies` out when there are none; npm 4's shrinkwrap has no lockfileVersion.
    expect(parsePackageLock(JSON.stringify({ name: "app", version: "1.0.0", lockfileVersion: 1 }))).toEqual({
      records: [],
      warnings: [],
    });
    expect(
      parsePackageLock(JSON.stringify({ name: "app", dependencies: { a: { version: "1.0.0" } } })).warnings,
    ).toEqual([]);
  });

  it("bad lockfiles give warnings, not exceptions", () => {
    expect(parsePackageLock("{broken").warnings[0]).toMatch(/not valid JSON/);
    expect(parsePackageLock("null").warnings[0]).toMatch(/not a JSON object/);
    expect(parsePnpmLock("packages: [unclosed").warnings[0]).toMatch(/YAML/);
    expect(parseYarnLock('__metadata:\n  version: 6\n"a@npm:1": {').warnings.length).toBeGreaterThan(0);
  });
  it("hostile lockfiles: a 300-level v1 tree is truncated with a warning; a 50,000-entry yarn.lock parses", () => {
    let deps: Record<string, unknown> = {};
    const root = deps;
    for (let i = 0; i < 300; i++) {
      const next: Record<string, unknown> = {};
      deps[`p${i}`] = { version: "1.0.0", dependencies: next };
      deps = next;
    }
    const deep = parsePackageLock(JSON.stringify({ lockfileVersion: 1, dependencies: root }));
    expect(deep.records.length).toBe(257);
    expect(deep.warnings.some((w) => w.includes("deeper than 256"))).toBe(true);
    const lines: string[] = ["# yarn lockfile v1", ""];
    for (let i = 0; i < 50_000; i++) lines.push(`pkg${i}@^1.0.0:`, '  version "1.0.0"', "");
    lines.push('"evil\u001b[2J@^1":', '  version "1.0.0"', "", "garbage line without colon");
    const big = parseYarnLock(lines.join("\n"));
    expect(big.records.length).toBe(50_000);
    expect(big.warnings).toHaveLength(2);
  });
  it("yarn berry: resolutions, workspaces and patches", () => {
    const text = [
      "__metadata:",
      "  version: 6",
      "",
      '"@babel/core@npm:^7.0.0, @babel/core@npm:^7.1.0":',
      "  version: 7.20.0",
      '  resolution: "@babel/core@npm:7.20.0"',
      "  linkType: hard",
      "",
      '"lodash@npm:^4.17.21":',
      "  version: 4.17.21",
      '  resolution: "lodash@npm:4.17.21"',
      "  linkType: hard",
      "",
      '"resolve@patch:resolve@^1.20.0#~builtin<compat/resolve>":',
      "  version: 1.22.1",
      '  resolution: "resolve@patch:resolve@npm%3A1.22.1#~builtin<compat/resolve>::version=1.22.1"',
      "  linkType: hard",
      "",
      '"my-app@workspace:.":',
      "  version: 0.0.0-use.local",
      '  resolution: "my-app@workspace:."',
      "  linkType: soft",
    ].join("\n");
    const res = parseYarnLock(text);
    expect(res.records.map((r) => `${r.name}@${r.version}`).sort()).toEqual([
      "@babel/core@7.20.0",
      "lodash@4.17.21",
    ]);
    const prod = yarnProductionSubset(
      res.records,
      JSON.stringify({ dependencies: { lodash: "^4.17.21" }, devDependencies: { "@babel/core": "^7.0.0" } }),
    );
    expect(prod?.map((r) => r.name)).toEqual(["lodash"]);
    expect(yarnProductionSubset(res.records, "{bad")).toBeUndefined();
  });
  it("pnpm v5 and v9 keys", () => {
    const v5 = parsePnpmLock(
      "lockfileVersion: 5.4\npackages:\n  /@babel/core/7.20.0_eslint@8.0.0:\n    dev: false\n  /ms/2.1.3:\n    dev: true\n",
    );
    expect(v5.records.map((r) => `${r.name}@${r.version}:${r.dev}`)).toEqual([
      "@babel/core@7.20.0:false",
      "ms@2.1.3:true",
    ]);
    const v9 = parsePnpmLock(
      "lockfileVersion: '9.0'\npackages:\n  '@babel/core@7.20.0':\n    resolution: {integrity: x}\n  ms@2.1.3:\n    resolution: {integrity: y}\nsnapshots:\n  ms@2.1.3: {}\n",
    );
    expect(v9.records.map((r) => `${r.name}@${r.version}`)).toEqual(["@babel/core@7.20.0", "ms@2.1.3"]);
  });
  it("pnpm v9: dev packages are those no importer's dependencies reach", () => {
    const text = [
      "lockfileVersion: '9.0'",
      "importers:",
      "  .:",
      "    dependencies:",
      "      react-dom:",
      "        specifier: ^18.0.0",
      "        version: 18.2.0(react@18.2.0)",
      "      local:",
      "        specifier: link:../local",
      "        version: link:../local",
      "    devDependencies:",
      "      typescript:",
      "        specifier: ^5.0.0",
      "        version: 5.4.5",
      "packages:",
      "  react-dom@18.2.0:",
      "    resolution: {integrity: a}",
      "  react@18.2.0:",
      "    resolution: {integrity: b}",
      "  scheduler@0.23.2:",
      "    resolution: {integrity: c}",
      "  typescript@5.4.5:",
      "    resolution: {integrity: d}",
      "snapshots:",
      "  react-dom@18.2.0(react@18.2.0):",
      "    dependencies:",
      "      react: 18.2.0",
      "      scheduler: 0.23.2",
      "  react@18.2.0: {}",
      "  scheduler@0.23.2: {}",
      "  typescript@5.4.5: {}",
    ].join("\n");
    const res = parsePnpmLock(text);
    expect(res.records.filter((r) => !r.dev).map((r) => `${r.name}@${r.version}`)).toEqual([
      "react-dom@18.2.0",
      "react@18.2.0",
      "scheduler@0.23.2",
    ]);
    expect(res.records.find((r) => r.name === "typescript")?.dev).toBe(true);
  });
});

describe("npm cataloger on corpus trees", () => {
  it("trivy happy: installed nested and hoisted copies each count; lockfile adds nothing", async () => {
    const files = filesFromDir(join(pkgdb, "trivy/happy"), "/app", 3);
    const res = await runCataloger(npmCataloger, files);
    expect(ids(res.packages)).toEqual([
      "@babel/parser@7.23.6",
      "body-parser@1.18.3",
      "debug@2.6.9",
      "debug@2.6.9",
      "express@4.16.4",
      "ms@2.0.0",
      "ms@2.0.0",
      "ms@2.1.1",
    ]);
    const babel = res.packages.find((p) => p.name === "parser");
    expect(babel?.namespace).toBe("babel");
    expect(babel?.purl).toBe("pkg:npm/%40babel/parser@7.23.6");
    expect(babel?.id).toBe("npm:@babel/parser@7.23.6:/app/node_modules/@babel/parser");
    expect(babel?.locations).toEqual([
      { path: "/app/node_modules/@babel/parser/package.json", layerIndex: 3 },
    ]);
    expect(babel?.layerIndex).toBe(3);
    expect(babel?.foundBy).toBe("npm");
    expect(new Set(res.packages.map((p) => p.id)).size).toBe(res.packages.length);
    expect(res.warnings).toEqual([]);
  });
  it("trivy no-node_modules: the lockfile is the evidence", async () => {
    const res = await runCataloger(npmCataloger, filesFromDir(join(pkgdb, "trivy/no-node_modules"), "/srv"));
    const lock = parsePackageLock(
      readFileSync(join(pkgdb, "trivy/no-node_modules/package-lock.json"), "utf8"),
    );
    expect(res.packages.length).toBe(lock.records.filter((r) => !r.dev).length);
    expect(res.packages.length).toBeGreaterThan(0);
    expect(res.packages.every((p) => p.locations[0]?.path === "/srv/package-lock.json")).toBe(true);
    expect(res.packages.every((p) => p.metadata?.evidence === "lockfile")).toBe(true);
  });
  it("a lockfile inside another package's installed tree is that package's source, not evidence", async () => {
    // Debian's libruby3.1 ships gems/typeprof-0.21.2/vscode/package-lock.json (a VS Code extension's
    // source): nothing of it is installed. Same for lockfiles inside node_modules, site-packages, vendor/.
    const lock = join(pkgdb, "trivy/no-node_modules/package-lock.json");
    const res = await runCataloger(npmCataloger, [
      { path: "/usr/lib/ruby/gems/3.1.0/gems/typeprof-0.21.2/vscode/package-lock.json", source: lock },
      { path: "/usr/lib/python3/dist-packages/x/static/package-lock.json", source: lock },
      { path: "/app/node_modules/a/yarn.lock", source: lock },
      { path: "/var/www/vendor/x/package-lock.json", source: lock },
    ]);
    expect(res.packages).toEqual([]);
  });
  it("trivy sad: a broken lockfile is a warning naming the file", async () => {
    const res = await runCataloger(npmCataloger, filesFromDir(join(pkgdb, "trivy/sad"), "/srv"));
    expect(res.packages).toEqual([]);
    expect(res.warnings[0]).toContain("/srv/package-lock.json");
  });
  it("syft pkg-lock: licences from installed manifests", async () => {
    const files = filesFromDir(join(pkgdb, "syft/pkg-lock/node_modules"), "/w/node_modules");
    const res = await runCataloger(npmCataloger, files);
    expect(ids(res.packages)).toEqual(["@actions/core@1.6.0", "cowsay@1.4.0"]);
    expect(res.packages.find((p) => p.name === "cowsay")?.licenses).toEqual(["MIT"]);
  });
  it("private workspace packages, the project's own package.json and bad manifests", async () => {
    const files: VirtualFile[] = [
      { path: "/app/package.json", source: Buffer.from('{"name":"app","version":"1.0.0"}') },
      {
        path: "/app/node_modules/ws/package.json",
        source: Buffer.from('{"name":"ws-a","version":"1.0.0","private":true}'),
      },
      { path: "/app/node_modules/bad/package.json", source: Buffer.from("{not json") },
      {
        path: "/app/node_modules/evil/package.json",
        source: Buffer.from('{"name":"ev\\u001b[31mil","version":"1"}'),
      },
      { path: "/app/node_modules/nov/package.json", source: Buffer.from('{"name":"nov"}') },
      {
        path: "/app/node_modules/ok/package.json",
        source: Buffer.from('\uFEFF{"name":"ok","version":"2.0.0","license":{"type":"ISC"}}'),
      },
    ];
    const res = await runCataloger(npmCataloger, files);
    expect(ids(res.packages)).toEqual(["ok@2.0.0"]);
    expect(res.packages[0]?.licenses).toEqual(["ISC"]);
    expect(res.warnings).toHaveLength(3);
    expect(res.warnings.some((w) => w.includes("/app/node_modules/bad/package.json"))).toBe(true);
    expect(res.warnings.some((w) => w.includes("/app/node_modules/evil/package.json"))).toBe(true);
  });
});

/**
 * A real install from the npm registry: a few small old packages, with nested copies, installed with
 * `npm install --ignore-scripts` into a temp dir cached under os.tmpdir() keyed by the package list.
 */
const REAL_PACKAGES = [
  "lodash@4.17.4",
  "minimist@0.0.8",
  "mkdirp@0.5.1",
  "debug@2.6.8",
  "@types/ms@0.7.31",
  "ms@2.1.1",
];
function realInstall(): string {
  const key = REAL_PACKAGES.join(",").replace(/[^a-z0-9.]+/gi, "_");
  const dir = join(tmpdir(), `vigil-npm-fixture-${key}`);
  if (existsSync(join(dir, "done"))) return dir;
  const work = `${dir}.tmp-${process.pid}`;
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  writeFileSync(
    join(work, "package.json"),
    JSON.stringify({ name: "fixture", version: "1.0.0", private: true }),
  );
  execFileSync(
    "npm",
    [
      "install",
      "--ignore-scripts",
      "--no-audit",
      "--no-fund",
      "--save-exact",
      "--loglevel=error",
      ...REAL_PACKAGES,
    ],
    { cwd: work, stdio: "pipe", timeout: 120_000 },
  );
  writeFileSync(join(work, "done"), "");
  rmSync(dir, { recursive: true, force: true });
  renameSync(work, dir);
  return dir;
}

describe("npm cataloger on a real npm install", () => {
  it("lists every installed package, with nested copies, once; the lockfile adds no duplicate", async () => {
    const dir = realInstall();
    const files = filesFromDir(dir, "/app", 5).filter((f) => !f.path.endsWith("/done"));
    const res = await runCataloger(npmCataloger, files);
    // debug@2.6.8 depends on ms@2.0.0, which nests under debug because ms@2.1.1 is hoisted.
    expect(ids(res.packages)).toEqual([
      "@types/ms@0.7.31",
      "debug@2.6.8",
      "lodash@4.17.4",
      "minimist@0.0.8",
      "mkdirp@0.5.1",
      "ms@2.0.0",
      "ms@2.1.1",
    ]);
    expect(res.packages.find((p) => p.version === "2.0.0")?.id).toBe(
      "npm:ms@2.0.0:/app/node_modules/debug/node_modules/ms",
    );
    // The lockfile alone, were node_modules missing, names the same packages.
    const lock = parsePackageLock(readFileSync(join(dir, "package-lock.json"), "utf8"));
    expect(lock.records.map((r) => `${r.name}@${r.version}`).sort()).toEqual(
      res.packages.map((p) => `${p.namespace ? `@${p.namespace}/` : ""}${p.name}@${p.version}`).sort(),
    );
    expect(res.warnings).toEqual([]);
  }, 120_000);
});

describe("npm cataloger on the npm bundled with Node", () => {
  it("finds npm itself and every dependency `npm ls -g --all` reports under it", async () => {
    const root = execFileSync("npm", ["root", "-g"], { encoding: "utf8" }).trim();
    const files = filesFromDir(join(root, "npm"), "/usr/local/lib/node_modules/npm", 1);
    const res = await runCataloger(npmCataloger, files);
    const npmVersion = execFileSync("npm", ["--version"], { encoding: "utf8" }).trim();
    expect(res.packages.find((p) => p.name === "npm")?.purl).toBe(`pkg:npm/npm@${npmVersion}`);
    const tree = JSON.parse(
      execFileSync("npm", ["ls", "-g", "--all", "--json"], { encoding: "utf8", maxBuffer: 64 << 20 }),
    ) as { dependencies?: Record<string, LsNode> };
    const expected = new Set<string>([`npm@${npmVersion}`]);
    const walk = (n: LsNode): void => {
      for (const [k, v] of Object.entries(n.dependencies ?? {})) {
        if (v.version) expected.add(`${k}@${v.version}`);
        walk(v);
      }
    };
    const npmNode = tree.dependencies?.npm;
    expect(npmNode).toBeDefined();
    if (npmNode) walk(npmNode);
    const mine = new Set(ids(res.packages));
    expect([...expected].filter((e) => !mine.has(e))).toEqual([]);
    expect(new Set(res.packages.map((p) => p.id)).size).toBe(res.packages.length);
  }, 60_000);
});
interface LsNode {
  version?: string;
  dependencies?: Record<string, LsNode>;
}
