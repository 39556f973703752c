// Bundles the compiled CLI (dist/cli/main.js and every module it imports, dependencies excluded) into
// one CommonJS file, dist/cli/vigil.cjs, which the `vigil` launcher runs. One file instead of ~100 ES
// modules saves Node's per-module resolution, loading and linking at every start (docs/benchmarks.md).
// The pure-JS dependencies listed in bundled-deps.json are bundled too, each into its own file of
// dist/cli/deps/, loaded on first use (scripts/bundle-entry.cjs); the others load from node_modules.
// Run by `npm run build` after tsc. The bundle sits beside main.js, so paths taken relative to
// `import.meta.url` (../../package.json from dist/core, ./commands/ from dist/cli) mean the same.
import { readFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { build } from "esbuild";

const require = createRequire(import.meta.url);
const { bundledDepFile } = require("./bundled-dep-file.cjs");
const ids = JSON.parse(readFileSync(new URL("./bundled-deps.json", import.meta.url), "utf8"));

await build({
  entryPoints: ["scripts/bundle-entry.cjs"],
  outfile: "dist/cli/vigil.cjs",
  bundle: true,
  format: "cjs",
  platform: "node",
  target: "node20",
  packages: "external",
  // import.meta does not exist in CommonJS: the bundle's own URL stands in for each module's.
  define: { "import.meta.url": "__vigilModuleUrl" },
  banner: {
    js: '"use strict";\nconst __vigilModuleUrl = require("node:url").pathToFileURL(__filename).href;',
  },
  sourcemap: "linked",
  // `import()` of a package becomes `require`: the launcher compiles the bundle as a vm.Script (to give
  // it its V8 code cache, bin/vigil.cjs), and such a script has no loader for `import()` in Node 20.
  // Every package the CLI imports lazily (undici, better-sqlite3, fzstd, node: built-ins) is CommonJS.
  supported: { "dynamic-import": false },
  logLevel: "warning",
});

rmSync("dist/cli/deps", { recursive: true, force: true });
// The code caches of the files just rebuilt are made again by scripts/code-cache.mjs.
rmSync("dist/cli/vigil.cjs.cache", { force: true });
/**
 * Start-up patches to bundled dependencies' sources. Each must apply: a new version of the package fails
 * the build here, so that the patch is looked at again.
 */
const PATCHES = [
  {
    // packageurl-js builds an ICU collator when it loads (~7 ms on a 2-core VM, every cold index), only to
    // order the keys of its helper objects (`PurlComponent.encode`…) by their fixed ASCII names. Purls are
    // not affected: their qualifiers are sorted with `Array#sort`.
    file: /[\\/]node_modules[\\/]packageurl-js[\\/]src[\\/]strings\.js$/,
    find: "const { compare: localeCompare } = new Intl.Collator()",
    replace:
      "const localeCompare = (a, b) => { const x = String(a), y = String(b); return x < y ? -1 : x > y ? 1 : 0 }",
  },
  {
    // commander loads child_process (and with it dgram, ~2 ms) at every start, for executable
    // subcommands, which Vigil does not have: loaded on first use instead.
    file: /[\\/]node_modules[\\/]commander[\\/]lib[\\/]command\.js$/,
    find: "const childProcess = require('node:child_process');",
    replace: "const childProcess = { spawn: (...a) => require('node:child_process').spawn(...a) };",
  },
];
const applied = new Set();
const patchPlugin = {
  name: "vigil-patches",
  setup(b) {
    for (const p of PATCHES) {
      b.onLoad({ filter: p.file }, ({ path }) => {
        const src = readFileSync(path, "utf8");
        if (!src.includes(p.find)) throw new Error(`bundle patch no longer applies to ${path}: ${p.find}`);
        applied.add(p);
        return { contents: src.replace(p.find, p.replace), loader: "js" };
      });
    }
  },
};

/** Module ids by package: one file each (see bundled-dep-file.cjs). */
const byFile = new Map();
for (const id of ids) byFile.set(bundledDepFile(id), [...(byFile.get(bundledDepFile(id)) ?? []), id]);
await Promise.all(
  [...byFile].map(([file, members]) =>
    build({
      stdin: {
        contents: `module.exports = {${members.map((id) => `${JSON.stringify(id)}: require(${JSON.stringify(id)})`).join(", ")}};`,
        resolveDir: ".",
        loader: "js",
      },
      outfile: `dist/cli/deps/${file}`,
      bundle: true,
      format: "cjs",
      platform: "node",
      target: "node20",
      plugins: [patchPlugin],
      logLevel: "warning",
    }),
  ),
);
for (const p of PATCHES)
  if (!applied.has(p))
    throw new Error(`bundle patch matched no file: ${p.file} (is the package still bundled?)`);
