// Bundles the compiled CLI (dist/cli/main.js and every module it imports, dependencies excluded) into
// one CommonJS file, dist/cli/vigil.cjs, which the `vigil` launcher runs. One file instead of ~100 ES
// modules saves Node's per-module resolution, loading and linking at every start (docs/benchmarks.md).
// Run by `npm run build` after tsc. The bundle sits beside main.js, so paths taken relative to
// `import.meta.url` (../../package.json from dist/core, ./commands/ from dist/cli) mean the same.
import { build } from "esbuild";

await build({
  entryPoints: ["dist/cli/main.js"],
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
  logLevel: "warning",
});
