#!/usr/bin/env bash
# The SBOM of a real root filesystem of about 2,000 packages, for the first-match figure of
# bench/match-bench.mjs (docs/benchmarks.md, "Matching"):
#   `debootstrap --variant=minbase bookworm`, then in a chroot `apt-get install` of Debian's npm, Python's
#   scientific and web libraries, git, curl and build-essential, then `npm install` of a React app's
#   tool chains (react-scripts; vite, whose esbuild is a Go program) and two server libraries into /app.
# Vigil indexes it as fs://, and the SBOM is written to bench/.work/real-app.sbom.json (gitignored). The
# root itself is removed afterwards (~2 GB).
# Needs root, debootstrap, npm, Debian's mirror (the one this machine's apt uses) and the npm registry.
# Run `npm run build` first.
set -euo pipefail
cd "$(dirname "$0")"
REPO=$(cd .. && pwd)
WORK=$(pwd)/.work
ROOT=$WORK/real-rootfs
OUT=$WORK/real-app.sbom.json
MIRROR=${MIRROR:-$(grep -hoE '^(URIs:|deb) +https?://[^ ]+/debian/?( |$)' /etc/apt/sources.list /etc/apt/sources.list.d/*.sources 2>/dev/null \
  | head -1 | awk '{print $2}' || true)}
MIRROR=${MIRROR:-http://deb.debian.org/debian}
DEBS=(npm python3-numpy python3-scipy python3-pandas python3-matplotlib python3-django python3-flask
  python3-requests python3-yaml python3-jinja2 python3-sqlalchemy python3-pip git curl openssh-client
  build-essential libssl-dev)
NPM_DEPS=(react-scripts@5.0.1 vite@4.3.9 express@4.18.2 lodash@4.17.21)

if [[ -f $OUT && ${REBUILD:-0} != 1 ]]; then
  echo "real SBOM already built ($OUT); REBUILD=1 to rebuild"
  exit 0
fi
[[ -f $REPO/dist/cli/vigil.cjs ]] || { echo "run npm run build first" >&2; exit 1; }
mkdir -p "$WORK"
cleanup() {
  umount "$ROOT/proc" 2>/dev/null || true
  rm -rf --one-file-system "$ROOT"
}
trap cleanup EXIT
rm -rf "$ROOT"

echo "== debootstrap --variant=minbase bookworm ($MIRROR)"
debootstrap --variant=minbase bookworm "$ROOT" "$MIRROR" >"$WORK/real-debootstrap.log" 2>&1 ||
  { tail -20 "$WORK/real-debootstrap.log"; exit 1; }
echo "== apt-get install ${DEBS[*]}"
mount --bind /proc "$ROOT/proc"
cp /etc/resolv.conf "$ROOT/etc/resolv.conf" 2>/dev/null || true
chroot "$ROOT" /bin/sh -c "apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends ${DEBS[*]} >/dev/null 2>&1 && apt-get clean && rm -rf /var/lib/apt/lists/*"
umount "$ROOT/proc"
echo "== npm install ${NPM_DEPS[*]}"
mkdir -p "$ROOT/app"
(cd "$ROOT/app" && printf '{"name":"real-app","version":"1.0.0","private":true}\n' >package.json &&
  npm install --no-audit --no-fund --ignore-scripts --silent "${NPM_DEPS[@]}" >/dev/null)
echo "== vigil sbom fs://$ROOT"
"$REPO/bin/vigil.cjs" sbom -q --no-cache --format json -o "$OUT" "fs://$ROOT"
node -e '
  const s = require(process.argv[1]), n = {};
  for (const p of s.packages) n[p.type] = (n[p.type] ?? 0) + 1;
  console.log(`${s.packages.length} packages:`, JSON.stringify(n));' "$OUT"
