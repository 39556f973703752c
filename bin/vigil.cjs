#!/bin/sh
':' //; # Vigil's launcher: this file is both a POSIX shell script and a CommonJS module. As a script, it moves
':' //; # NODE_EXTRA_CA_CERTS to VIGIL_EXTRA_CA_CERTS, then runs itself with Node. Node parses the whole
':' //; # NODE_EXTRA_CA_CERTS bundle at every start, before any of Vigil runs (30-90 ms for a system
':' //; # bundle); Vigil reads it only when it opens its first TLS connection (src/core/extra-ca.ts).
':' //; # The variable is left alone when NODE_OPTIONS chooses another CA store.
':' //; if [ -n "${NODE_EXTRA_CA_CERTS-}" ]; then case " ${NODE_OPTIONS-} " in *--use-openssl-ca*|*--use-system-ca*) ;; *) VIGIL_EXTRA_CA_CERTS=$NODE_EXTRA_CA_CERTS; export VIGIL_EXTRA_CA_CERTS; unset NODE_EXTRA_CA_CERTS ;; esac; fi
':' //; exec node "$0" "$@"
':' //; # As a module, it runs Vigil's bundled CLI (scripts/bundle.mjs), after a check that the bundle is
':' //; # not older than tsc's output beside it (a build that ran tsc alone would leave the bundle stale).
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
