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
const { statSync } = require("node:fs");
const { join } = require("node:path");
const cli = join(__dirname, "..", "dist", "cli");
try {
  if (statSync(join(cli, "main.js")).mtimeMs > statSync(join(cli, "vigil.cjs")).mtimeMs)
    process.stderr.write("vigil: warning: dist/cli/vigil.cjs is older than dist/cli/main.js: run `npm run build`\n");
} catch {
  // no tsc output beside the bundle: nothing to compare
}
require(join(cli, "vigil.cjs"));
