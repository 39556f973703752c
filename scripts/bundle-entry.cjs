"use strict";
// The entry of the CLI bundle (scripts/bundle.mjs). The dependencies in bundled-deps.json are each
// bundled into one file of dist/cli/deps/: loading one is then one file read and compiled, where from
// node_modules it is a dozen files resolved, read and compiled (commander 18 ms, packageurl-js 27 ms,
// yauzl 10 ms on a 2-core VM). They stay lazy: a file is loaded when Vigil first asks for its module
// (src/core/lazy.ts), and the main bundle, which every start parses, stays small.
const { join } = require("node:path");
const { bundledDepFile } = require("./bundled-dep-file.cjs");
const ids = require("./bundled-deps.json");
// Run by the `vigil` launcher, a file is loaded through its V8 code cache when it has one (bin/vigil.cjs).
const load = globalThis[Symbol.for("vigil.loadBundled")] ?? require;
require("../dist/core/lazy.js").provideModules(
  Object.fromEntries(ids.map((id) => [id, () => load(join(__dirname, "deps", bundledDepFile(id)))[id]])),
);
require("../dist/cli/main.js");
