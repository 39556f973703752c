#!/usr/bin/env bash
# Registry benchmark (docs/benchmarks.md, "Pull and index"): the bench image (build-bench-image.sh) is
# pushed with skopeo to a real CNCF distribution registry (Debian's docker-registry) on 127.0.0.1, then
# prints median wall times, empty caches each run, of:
#   registry  vigil sbom registry://127.0.0.1:PORT/bench/app:1   (pull + index, streamed)
#   oci-archive vigil sbom archive://bench-oci-archive.tar        (the same gzip blobs in an OCI archive)
#   archive   vigil sbom archive://bench-docker.tar               (the docker-save tarball: uncompressed
#                                                                  layers, walked by seeking)
#   oci       vigil sbom oci-dir://bench-oci                      (the same gzip blobs, from disk)
# and the ratios registry/oci-archive (target ≤ 1.3: the same image, the same bytes, so the difference
# is the network), registry/docker-archive and registry/oci. The four run interleaved, one of each per
# round (bench/interleave.mjs), and each ratio is the median of its per-round ratios, so that a host
# whose speed drifts slows them alike. Needs docker-registry and skopeo. Run `npm run build` first.
set -euo pipefail
cd "$(dirname "$0")/.."
REPO=$(pwd)
WORK=$REPO/bench/.work
OCI=$WORK/bench-oci
ARCHIVE=$WORK/bench-docker.tar
OCI_ARCHIVE=$WORK/bench-oci-archive.tar
RUNS=${RUNS:-5}
CACHE=$WORK/vigil-cache-registry
[[ -f $REPO/dist/cli/vigil.cjs ]] || { echo "run npm run build first" >&2; exit 1; }
bash "$REPO/bench/build-bench-image.sh"
bash "$REPO/bench/settle-page-cache.sh" "$OCI" "$ARCHIVE" "$OCI_ARCHIVE"

REG=$(mktemp -d "${TMPDIR:-/tmp}/vigil-bench-registry.XXXXXX")
PORT=$(node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')
cat >"$REG/config.yml" <<YAML
version: 0.1
log: { level: error, accesslog: { disabled: true } }
storage: { filesystem: { rootdirectory: $REG/data } }
http: { addr: 127.0.0.1:$PORT }
YAML
docker-registry serve "$REG/config.yml" >"$REG/log" 2>&1 &
REG_PID=$!
trap 'kill $REG_PID 2>/dev/null || true; rm -rf "$REG" "$CACHE"' EXIT
for _ in $(seq 100); do curl -fs "http://127.0.0.1:$PORT/v2/" >/dev/null 2>&1 && break; sleep 0.1; done
TAG=$(node -e 'const i=require(process.argv[1]);const m=i.manifests[0];console.log((m.annotations||{})["org.opencontainers.image.ref.name"]||"bench")' "$OCI/index.json")
skopeo copy --quiet --dest-tls-verify=false "oci:$OCI:$TAG" "docker://127.0.0.1:$PORT/bench/app:1"
REF="registry://127.0.0.1:$PORT/bench/app:1"
bash "$REPO/bench/settle-page-cache.sh" "$REG/data"
echo "image pushed to 127.0.0.1:$PORT/bench/app:1 ($(du -sb "$REG/data" | cut -f1) bytes stored)"
echo "machine: $(nproc) cores, $(node --version), load $(cut -d' ' -f1-3 /proc/loadavg)"

VIGIL="$REPO/bin/vigil.cjs"
PREP="rm -rf $CACHE"
SBOM="env VIGIL_CACHE_DIR=$CACHE $VIGIL sbom --quiet --format json --output /dev/null"
node "$REPO/bench/interleave.mjs" "$RUNS" "$REG/times.json" \
  registry "$PREP" "$SBOM $REF" \
  oci-archive "$PREP" "$SBOM archive://$OCI_ARCHIVE" \
  archive "$PREP" "$SBOM archive://$ARCHIVE" \
  oci "$PREP" "$SBOM oci-dir://$OCI" >/dev/null
# Same packages either way?
VIGIL_CACHE_DIR=$CACHE $VIGIL sbom --quiet --format list "$REF" | sort >"$REG/r.txt"
rm -rf "$CACHE"
VIGIL_CACHE_DIR=$CACHE $VIGIL sbom --quiet --format list "archive://$ARCHIVE" | sort >"$REG/a.txt"
SAME=$(cmp -s <(cut -c1-80 "$REG/r.txt") <(cut -c1-80 "$REG/a.txt") && echo yes || echo "no (see diff)")
node -e '
  const { runs, results: r } = require(process.argv[1]);
  const med = (a) => [...a].sort((x, y) => x - y)[a.length >> 1];
  const w = (n) => med(r[n].wall).toFixed(3);
  const ratio = (n) => med(r.registry.wall.map((x, i) => x / r[n].wall[i])).toFixed(2);
  console.log(`registry (pull+index)  ${w("registry")}s\noci archive            ${w("oci-archive")}s`);
  console.log(`docker archive         ${w("archive")}s\noci layout             ${w("oci")}s`);
  console.log(`registry/oci-archive ${ratio("oci-archive")} (target <= 1.3)  registry/docker-archive ${ratio("archive")}  registry/oci-layout ${ratio("oci")}`);
  console.log(`(${runs} interleaved rounds after a warm-up round; medians of the walls and of the per-round ratios)`);' "$REG/times.json"
echo "same package list from registry and archive: $SAME"
