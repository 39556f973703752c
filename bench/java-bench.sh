#!/usr/bin/env bash
# Java archives benchmark (docs/benchmarks.md): a root filesystem of Debian's Java library packages
# (the first N package names matching ^lib.*-java$ in this machine's apt lists, sorted: their jars, the
# symlinks to them and their maven-repo trees), indexed cold with `vigil sbom fs://…`, interleaved rounds.
#
#   bash bench/java-bench.sh            # N=120, RUNS=11
#   N=200 RUNS=5 bash bench/java-bench.sh
#   OTHER=/path/to/another/checkout bash bench/java-bench.sh   # also times that checkout's build
#
# Needs `apt-get download` (package lists present) and dpkg-deb; run after `npm run build`.
set -euo pipefail
cd "$(dirname "$0")"
REPO=$(cd .. && pwd)
WORK=$(pwd)/.work
N=${N:-120}
RUNS=${RUNS:-11}
ROOT=$WORK/java-root-$N
DEBS=$WORK/java-debs

[[ -f $REPO/dist/cli/vigil.cjs ]] || { echo "run npm run build first" >&2; exit 1; }
if [[ ! -d $ROOT ]]; then
  mkdir -p "$DEBS"
  mapfile -t pkgs < <(apt-cache search --names-only '^lib.*-java$' | awk '{print $1}' | sort | head -n "$N")
  (cd "$DEBS" && for p in "${pkgs[@]}"; do ls "${p}"_*.deb >/dev/null 2>&1 || apt-get download -qq "$p" >/dev/null 2>&1 || echo "skipped $p" >&2; done)
  rm -rf "$ROOT.tmp" && mkdir -p "$ROOT.tmp"
  for p in "${pkgs[@]}"; do
    for d in "$DEBS/${p}"_*.deb; do [[ -f $d ]] && dpkg-deb -x "$d" "$ROOT.tmp"; done
  done
  mv "$ROOT.tmp" "$ROOT"
fi
jars=$(find "$ROOT" -name '*.jar' -type f | wc -l)
links=$(find "$ROOT" -name '*.jar' -type l | wc -l)
echo "root: $ROOT ($(du -sh "$ROOT" | cut -f1), $jars jars, $links links to jars)"

CACHE=$WORK/java-bench-cache
args=(this "rm -rf $CACHE" "env VIGIL_CACHE_DIR=$CACHE $REPO/bin/vigil.cjs sbom -q --format json -o $WORK/java-this.json fs://$ROOT")
if [[ -n ${OTHER:-} ]]; then
  args+=(other "rm -rf $CACHE" "env VIGIL_CACHE_DIR=$CACHE $OTHER/bin/vigil.cjs sbom -q --format json -o $WORK/java-other.json fs://$ROOT")
fi
node "$REPO/bench/interleave.mjs" "$RUNS" "$WORK/java-bench.json" "${args[@]}"
node -e '
const a = require(process.argv[1]);
console.log(`packages: ${a.packages.length} (maven: ${a.packages.filter((p) => p.type === "maven").length})`);
if (process.argv[2]) {
  const b = require(process.argv[2]);
  const k = (s) => JSON.stringify(s.packages.map((p) => [p.purl, p.locations]));
  console.log(`same packages and locations as the other build: ${k(a) === k(b) ? "yes" : "NO"}`);
}' "$WORK/java-this.json" "${OTHER:+$WORK/java-other.json}"
