#!/bin/sh
':' //; # Vigil's launcher: this file is both a POSIX shell script and a CommonJS module. As a script, it moves
':' //; # NODE_EXTRA_CA_CERTS to VIGIL_EXTRA_CA_CERTS, then runs itself with Node. Node parses the whole
':' //; # NODE_EXTRA_CA_CERTS bundle at every start, before any of Vigil runs (30-90 ms for a system
':' //; # bundle); Vigil reads it only when it opens its first TLS connection (src/core/extra-ca.ts).
':' //; # The variable is left alone when NODE_OPTIONS chooses another CA store.
':' //; if [ -n "${NODE_EXTRA_CA_CERTS-}" ]; then case " ${NODE_OPTIONS-} " in *--use-openssl-ca*|*--use-system-ca*) ;; *) VIGIL_EXTRA_CA_CERTS=$NODE_EXTRA_CA_CERTS; export VIGIL_EXTRA_CA_CERTS; unset NODE_EXTRA_CA_CERTS ;; esac; fi
':' //; # Unless GLIBC_TUNABLES is set already, glibc's malloc is told to back its large blocks with transparent
':' //; # huge pages and to keep freed memory for reuse: layer walks churn through megabyte buffers (zlib output,
':' //; # file reads), and faulting fresh pages in one 4 KiB page at a time cost up to a fifth of a cold index
':' //; # on a VM (docs/benchmarks.md). The Node side below takes the setting out of the environment again, so
':' //; # that programs Vigil runs (credential helpers) start with the user's own. Other C libraries ignore it.
':' //; if [ -z "${GLIBC_TUNABLES+x}" ]; then GLIBC_TUNABLES=glibc.malloc.hugetlb=1:glibc.malloc.mmap_threshold=16777216:glibc.malloc.trim_threshold=268435456; VIGIL_MALLOC_TUNED=1; export GLIBC_TUNABLES VIGIL_MALLOC_TUNED; else unset VIGIL_MALLOC_TUNED; fi
':' //; exec node "$0" "$@"
':' //; # As a module, it runs Vigil's bundled CLI (scripts/bundle.mjs), after a check that the bundle is
':' //; # not older than tsc's output beside it (a build that ran tsc alone would leave the bundle stale).
if (process.env.VIGIL_MALLOC_TUNED === "1") {
  // glibc read its tunables when Node started: the child processes Vigil spawns get the user's environment.
  delete process.env.GLIBC_TUNABLES;
  delete process.env.VIGIL_MALLOC_TUNED;
}
const { readFileSync, renameSync, statSync, writeFileSync } = require("node:fs");
const { dirname, join } = require("node:path");
const cli = join(__dirname, "..", "dist", "cli");
try {
  if (statSync(join(cli, "main.js")).mtimeMs > statSync(join(cli, "vigil.cjs")).mtimeMs)
    process.stderr.write("vigil: warning: dist/cli/vigil.cjs is older than dist/cli/main.js: run `npm run build`\n");
} catch {
  // no tsc output beside the bundle: nothing to compare
}

// V8 code caches. `npm run build` runs Vigil once on the bundled example with VIGIL_CODE_CACHE_WRITE=1
// (scripts/code-cache.mjs), and each bundled file that run loaded gets a `FILE.cache` beside it: the
// bytecode V8 compiled for it, functions compiled lazily during the run included. Loading through one
// skips most of the compiling a run otherwise starts with (docs/benchmarks.md). A cache file holds a
// magic, the SHA-256 of the source it was made from and of its own V8 data, then that data: a cache that
// does not match its file byte for byte, or is damaged, is not used (V8 itself checks only the source's
// length), and V8 rejects one made by another V8 or under other flags. Either way the file is compiled
// as usual. VIGIL_DEBUG=1 says which on stderr.
const CACHE_MAGIC = Buffer.from("VIGILCC1");
const debug = process.env.VIGIL_DEBUG === "1";
const writeCaches = process.env.VIGIL_CODE_CACHE_WRITE === "1";
delete process.env.VIGIL_CODE_CACHE_WRITE;
// V8 accepts a code cache only under the flags it was made with. The caches are made and read under V8's
// defaults: the CLI tunes some flags once it runs (src/cli/v8-tuning.ts), and sets them back to the
// defaults around each cache it reads or writes later, through the function the bundle leaves at
// globalThis[Symbol.for("vigil.withV8Defaults")] (src/core/v8-flags.ts).
const withV8Defaults = (fn) => {
  const hook = globalThis[Symbol.for("vigil.withV8Defaults")];
  return typeof hook === "function" ? hook(fn) : fn();
};
const sha256 = (b) => require("node:crypto").createHash("sha256").update(b).digest();
const loaded = new Map();
/** `require(file)` for a bundled CommonJS file, through its code cache when it has a valid one. */
function loadCached(file) {
  const hit = loaded.get(file);
  if (hit) return hit.module.exports;
  const Module = require("node:module");
  const vm = require("node:vm");
  const source = readFileSync(file);
  let sourceHash;
  let cachedData;
  let state = "absent";
  let c;
  try {
    c = readFileSync(`${file}.cache`);
  } catch {
    // no cache file
  }
  if (c || writeCaches) sourceHash = sha256(source);
  if (c) {
    const data = c.subarray(72);
    if (c.length <= 72 || !c.subarray(0, 8).equals(CACHE_MAGIC)) state = "damaged";
    else if (!c.subarray(8, 40).equals(sourceHash)) state = "stale";
    else if (!c.subarray(40, 72).equals(sha256(data))) state = "damaged";
    else cachedData = data;
  }
  // Node's own CommonJS wrapper, on the first line so that line numbers stay those of the file.
  const script = withV8Defaults(
    () =>
      new vm.Script(
        `(function (exports, require, module, __filename, __dirname) { ${source.toString("utf8")}\n});`,
        { filename: file, cachedData },
      ),
  );
  if (cachedData) state = script.cachedDataRejected ? "rejected by V8" : "used";
  if (debug) process.stderr.write(`    · code cache of ${file}: ${state}\n`);
  const mod = new Module(file, module);
  mod.filename = file;
  loaded.set(file, { module: mod, script, sourceHash });
  script.runInThisContext().call(mod.exports, mod.exports, Module.createRequire(file), mod, file, dirname(file));
  mod.loaded = true;
  return mod.exports;
}
if (writeCaches) {
  process.once("exit", () => {
    for (const [file, { script, sourceHash }] of loaded) {
      try {
        const data = withV8Defaults(() => script.createCachedData());
        const header = [CACHE_MAGIC, sourceHash, sha256(data)];
        writeFileSync(`${file}.cache.tmp`, Buffer.concat([...header, data]));
        renameSync(`${file}.cache.tmp`, `${file}.cache`);
      } catch (e) {
        process.stderr.write(`vigil: warning: cannot write the code cache of ${file}: ${e.message}\n`);
        process.exitCode ||= 1;
      }
    }
  });
}
// The bundle's entry loads its bundled dependencies (dist/cli/deps/) through this too.
globalThis[Symbol.for("vigil.loadBundled")] = loadCached;
const bundle = join(cli, "vigil.cjs");
let built = true;
try {
  statSync(bundle);
} catch {
  built = false;
}
if (built) loadCached(bundle);
else {
  process.stderr.write("vigil: dist/cli/vigil.cjs is missing: run `npm run build` (after `npm ci`)\n");
  process.exitCode = 1;
}
