#!/usr/bin/env bash
# Registry benchmark (docs/benchmarks.md, "Pull and index"): the bench image (build-bench-image.sh) is
# pushed with skopeo to a real CNCF distribution registry (Debian's docker-registry) on 127.0.0.1, then
# prints mean wall times, empty caches each run, of:
#   registry  vigil sbom registry://127.0.0.1:PORT/bench/app:1   (pull + index, streamed)
#   oci-archive vigil sbom archive://bench-oci-archive.tar        (the same gzip blobs in an OCI archive)
#   archive   vigil sbom archive://bench-docker.tar               (the docker-save tarball: uncompressed
#                                                                  layers, walked by seeking)
#   oci       vigil sbom oci-dir://bench-oci                      (the same gzip blobs, from disk)
# and the ratios registry/oci-archive (target ≤ 1.3: the same image, the same bytes, so the difference
# is the network), registry/docker-archive and registry/oci. Needs docker-registry, skopeo,
# hyperfine (else a Node timer loop). Run `npm run build` first.
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
echo "image pushed to 127.0.0.1:$PORT/bench/app:1 ($(du -sb "$REG/data" | cut -f1) bytes stored)"
echo "machine: $(nproc) cores, $(node --version), load $(cut -d' ' -f1-3 /proc/loadavg)"

VIGIL="$REPO/bin/vigil.cjs"
PREP="rm -rf $CACHE"
mean() { # name command…
  local name=$1
  shift
  if command -v hyperfine >/dev/null; then
    hyperfine --runs "$RUNS" --warmup 1 --prepare "$PREP" --style none --export-json "$REG/$name.json" \
      "VIGIL_CACHE_DIR=$CACHE $*" >/dev/null 2>&1 || { echo "FAILED: $*" >&2; return 1; }
    node -e 'const r=require(process.argv[1]).results[0]; console.log(r.mean.toFixed(3))' "$REG/$name.json"
  else
    node -e '
      const { execSync } = require("child_process");
      const [prep, cmd, runs] = process.argv.slice(1); const t = [];
      for (let i = 0; i <= Number(runs); i++) { execSync(prep, { shell: "/bin/sh" });
        const s = process.hrtime.bigint(); execSync(cmd, { stdio: "ignore", shell: "/bin/sh" });
        if (i > 0) t.push(Number(process.hrtime.bigint() - s) / 1e9); }
      console.log((t.reduce((a, b) => a + b, 0) / t.length).toFixed(3));' "$PREP" "VIGIL_CACHE_DIR=$CACHE $*" "$RUNS"
  fi
}
R=$(mean registry $VIGIL sbom --quiet --format json --output /dev/null "$REF")
X=$(mean oci-archive $VIGIL sbom --quiet --format json --output /dev/null "archive://$OCI_ARCHIVE")
A=$(mean archive $VIGIL sbom --quiet --format json --output /dev/null "archive://$ARCHIVE")
O=$(mean oci $VIGIL sbom --quiet --format json --output /dev/null "oci-dir://$OCI")
# Same packages either way?
VIGIL_CACHE_DIR=$CACHE $VIGIL sbom --quiet --format list "$REF" | sort >"$REG/r.txt"
rm -rf "$CACHE"
VIGIL_CACHE_DIR=$CACHE $VIGIL sbom --quiet --format list "archive://$ARCHIVE" | sort >"$REG/a.txt"
SAME=$(cmp -s <(cut -c1-80 "$REG/r.txt") <(cut -c1-80 "$REG/a.txt") && echo yes || echo "no (see diff)")
printf 'registry (pull+index)  %ss\noci archive            %ss\ndocker archive         %ss\noci layout             %ss\n' "$R" "$X" "$A" "$O"
node -e 'const [r,x,a,o]=process.argv.slice(1).map(Number);console.log(`registry/oci-archive ${(r/x).toFixed(2)} (target <= 1.3)  registry/docker-archive ${(r/a).toFixed(2)}  registry/oci-layout ${(r/o).toFixed(2)}`)' "$R" "$X" "$A" "$O"
echo "same package list from registry and archive: $SAME"
