#!/usr/bin/env bash
# Builds examples/debian-app: a small, real OCI image layout (3 gzip layers) from real Debian bookworm
# packages (apt-get download) and real npm packages (npm pack), deterministic (fixed mtimes, sorted
# entries, gzip without timestamps).
#
#   layer 0  base system: base-files, libc6, zlib1g, libssl3 (older point release), tzdata (older) …
#   layer 1  "apt-get install openssl ca-certificates libexpat1" + upgrades of libssl3 and tzdata
#   layer 2  an app: /app with node_modules holding minimist 1.2.5 and lodash 4.17.15 (known advisories)
#
# /var/lib/dpkg/status is assembled from each package's control data (dpkg-deb -f) with
# "Status: install ok installed", info/<pkg>.list from the package's file list and info/<pkg>.md5sums
# from its control archive; /etc/os-release comes from base-files. To stay a few hundred kB, packages
# whose Installed-Size exceeds FULL_MAX_KB ship only their /usr/share/doc/<pkg>/copyright (their dpkg
# metadata still lists every file they own). Needs: apt-get (Debian bookworm sources), dpkg-deb, npm, node.
#
# Versions are pinned below; Debian's mirror drops superseded point-release/security versions over time:
# when one disappears, bump it to one `apt-cache policy PKG` lists and re-run.
set -euo pipefail
cd "$(dirname "$0")/.."
REPO=$(pwd)
OUT=${OUT:-$REPO/examples/debian-app}
FULL_MAX_KB=${FULL_MAX_KB:-450}
CREATED=2024-06-01T00:00:00Z

BASE_PKGS=(base-files gcc-12-base libgcc-s1 libc6 zlib1g libzstd1 liblzma5 libbz2-1.0 debconf
  "libssl3=3.0.17-1~deb12u2" "tzdata=2026b-0+deb12u1")
INSTALL_PKGS=(openssl=3.0.22-1~deb12u2 ca-certificates libexpat1 "libssl3=3.0.22-1~deb12u2" "tzdata=2026f-0+deb12u1")
NPM_PKGS=(minimist@1.2.5 lodash@4.17.15)

WORK=$(mktemp -d "${TMPDIR:-/tmp}/vigil-example.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
mkdir -p "$WORK/debs" "$WORK/npm" "$WORK/stanzas"

download() { # pkg[=version]…
  (cd "$WORK/debs" && apt-get download -q "$@" 2>&1 | grep -v '^W: Download is performed unsandboxed' || true)
}
download "${BASE_PKGS[@]}" "${INSTALL_PKGS[@]}"
deb_of() { # name=version or name → path of its .deb
  local name=${1%%=*} ver=""
  [[ $1 == *=* ]] && ver=${1#*=}
  local f
  for f in "$WORK"/debs/"${name}"_*.deb; do
    if [[ -z $ver || $(dpkg-deb -f "$f" Version) == "$ver" ]]; then echo "$f"; return; fi
  done
  echo "missing .deb for $1" >&2
  exit 1
}

install_pkg() { # rootdir deb
  local root=$1 deb=$2 tmp pkg arch ma isize listname
  tmp=$(mktemp -d "$WORK/x.XXXX")
  pkg=$(dpkg-deb -f "$deb" Package)
  arch=$(dpkg-deb -f "$deb" Architecture)
  ma=$(dpkg-deb -f "$deb" Multi-Arch || true)
  isize=$(dpkg-deb -f "$deb" Installed-Size)
  dpkg-deb -x "$deb" "$tmp/data"
  dpkg-deb -e "$deb" "$tmp/ctl"
  listname=$pkg
  [[ $ma == same ]] && listname="$pkg:$arch"
  mkdir -p "$root/var/lib/dpkg/info"
  # Remove the files of the version being replaced (an upgrade), as dpkg would.
  if [[ -f "$root/var/lib/dpkg/info/$listname.list" ]]; then
    while IFS= read -r p; do
      [[ -f "$root$p" || -L "$root$p" ]] && rm -f "$root$p"
    done <"$root/var/lib/dpkg/info/$listname.list"
  fi
  if ((isize <= FULL_MAX_KB)); then
    cp -a "$tmp/data/." "$root/"
  elif [[ -f "$tmp/data/usr/share/doc/$pkg/copyright" ]]; then
    mkdir -p "$root/usr/share/doc/$pkg"
    cp -a "$tmp/data/usr/share/doc/$pkg/copyright" "$root/usr/share/doc/$pkg/"
  fi
  (cd "$tmp/data" && find . | LC_ALL=C sort | sed -e 's#^\.$#/.#' -e 's#^\./#/#') >"$root/var/lib/dpkg/info/$listname.list"
  [[ -f "$tmp/ctl/md5sums" ]] && cp "$tmp/ctl/md5sums" "$root/var/lib/dpkg/info/$listname.md5sums"
  [[ -f "$tmp/ctl/conffiles" ]] && cp "$tmp/ctl/conffiles" "$root/var/lib/dpkg/info/$listname.conffiles"
  # The status stanza: the control fields, with Status after Package.
  dpkg-deb -f "$deb" | awk 'NR==1 { print; print "Status: install ok installed"; next } { print }' \
    >"$WORK/stanzas/$listname"
  rm -rf "$tmp"
}

write_status() { # rootdir
  local root=$1 f first=1
  : >"$root/var/lib/dpkg/status"
  for f in $(cd "$WORK/stanzas" && ls | LC_ALL=C sort); do
    ((first)) || echo >>"$root/var/lib/dpkg/status"
    first=0
    cat "$WORK/stanzas/$f" >>"$root/var/lib/dpkg/status"
  done
}

# Stage 0: the base system.
S0=$WORK/stage0
mkdir -p "$S0"
for p in "${BASE_PKGS[@]}"; do install_pkg "$S0" "$(deb_of "$p")"; done
mkdir -p "$S0/var/lib/dpkg/updates" "$S0/tmp" "$S0/root"
write_status "$S0"

# Stage 1: apt-get install + upgrades.
S1=$WORK/stage1
cp -a "$S0" "$S1"
for p in "${INSTALL_PKGS[@]}"; do install_pkg "$S1" "$(deb_of "$p")"; done
write_status "$S1"
mkdir -p "$S1/var/cache/apt" "$S1/var/log/apt"
printf 'Start-Date: 2024-06-01  00:00:00\nCommandline: apt-get install -y openssl ca-certificates libexpat1\nEnd-Date: 2024-06-01  00:00:01\n' \
  >"$S1/var/log/apt/history.log"

# Stage 2: the app with a small node_modules of real (old) npm packages.
S2=$WORK/stage2
cp -a "$S1" "$S2"
mkdir -p "$S2/app/node_modules"
deps=""
for spec in "${NPM_PKGS[@]}"; do
  name=${spec%@*}
  ver=${spec##*@}
  tgz=$(cd "$WORK/npm" && npm pack --silent "$spec" | tail -1)
  mkdir -p "$S2/app/node_modules/$name"
  tar -xzf "$WORK/npm/$tgz" -C "$S2/app/node_modules/$name" --strip-components=1 --no-same-owner
  deps="$deps${deps:+, }\"$name\": \"$ver\""
done
cat >"$S2/app/package.json" <<JSON
{
  "name": "debian-app",
  "version": "1.0.0",
  "private": true,
  "main": "index.js",
  "dependencies": { $deps }
}
JSON
cat >"$S2/app/index.js" <<'JS'
const minimist = require("minimist");
const _ = require("lodash");
console.log(_.kebabCase(JSON.stringify(minimist(process.argv.slice(2)))));
JS

# Normalise modes (umask-independent) and write the layout.
chmod -R u+rwX,go+rX,go-w "$S0" "$S1" "$S2"
cat >"$WORK/spec.json" <<JSON
{
  "out": "$OUT",
  "created": "$CREATED",
  "refName": "1.0",
  "imageName": "docker.io/vigil-examples/debian-app:1.0",
  "config": {
    "Env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "NODE_ENV=production"],
    "Cmd": ["node", "/app/index.js"],
    "WorkingDir": "/app",
    "Labels": { "org.opencontainers.image.title": "debian-app", "org.opencontainers.image.description": "Vigil example image" }
  },
  "stages": [
    { "dir": "$S0", "createdBy": "/bin/sh -c #(nop) ADD rootfs.tar / # base: ${BASE_PKGS[*]}" },
    { "dir": "$S1", "createdBy": "RUN /bin/sh -c apt-get update && apt-get install -y openssl ca-certificates libexpat1 && apt-get upgrade -y # buildkit" },
    { "dir": "$S2", "createdBy": "COPY app /app # buildkit" }
  ]
}
JSON
node "$REPO/scripts/oci-layout-from-stages.mjs" "$WORK/spec.json"
du -sh "$OUT"
