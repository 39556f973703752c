#!/usr/bin/env bash
# Builds the benchmark image of docs/benchmarks.md under bench/.work/ (gitignored):
#   layer 0  `debootstrap --variant=minbase bookworm` root
#   layer 1  extra Debian packages: python3, a Java library (libcommons-lang3-java), nodejs
#   layer 2  /app/node_modules from `npm install` of a few common packages
# saved as an OCI layout with gzip layers (umoci), as an OCI archive of the same blobs and as a
# `docker save` tarball (uncompressed layers), both by skopeo.
# Needs root, debootstrap, umoci, skopeo, npm, and Debian's mirror (the one this machine's apt uses).
set -euo pipefail
cd "$(dirname "$0")"
WORK=$(pwd)/.work
OCI=$WORK/bench-oci
ARCHIVE=$WORK/bench-docker.tar
OCI_ARCHIVE=$WORK/bench-oci-archive.tar
BUNDLE=$WORK/bundle
TAG=bench
# The mirror apt already uses (first deb.debian.org-style URI of the main archive in the sources).
MIRROR=${MIRROR:-$(grep -hoE '^(URIs:|deb) +https?://[^ ]+/debian/?( |$)' /etc/apt/sources.list /etc/apt/sources.list.d/*.sources 2>/dev/null \
  | head -1 | awk '{print $2}' || true)}
MIRROR=${MIRROR:-http://deb.debian.org/debian}
EXTRA_DEBS=(python3 nodejs libcommons-lang3-java)
NPM_DEPS=(express@4.18.2 lodash@4.17.21 moment@2.29.4 axios@1.6.0 react@18.2.0 react-dom@18.2.0 webpack@5.89.0)

if [[ -f $OCI/index.json && -f $ARCHIVE && ${REBUILD:-0} != 1 ]]; then
  # images built before the OCI archive was part of the set get it now
  [[ -f $OCI_ARCHIVE ]] || skopeo copy --quiet "oci:$OCI:$TAG" "oci-archive:$OCI_ARCHIVE:$TAG"
  echo "bench image already built ($OCI, $OCI_ARCHIVE, $ARCHIVE); REBUILD=1 to rebuild"
  exit 0
fi
rm -rf "$OCI" "$ARCHIVE" "$OCI_ARCHIVE" "$BUNDLE"
mkdir -p "$WORK"

echo "== layer 0: debootstrap --variant=minbase bookworm ($MIRROR)"
umoci init --layout "$OCI"
umoci new --image "$OCI:$TAG"
umoci unpack --image "$OCI:$TAG" "$BUNDLE" >/dev/null
debootstrap --variant=minbase bookworm "$BUNDLE/rootfs" "$MIRROR" >"$WORK/debootstrap.log" 2>&1 ||
  { tail -20 "$WORK/debootstrap.log"; exit 1; }
rm -rf "$BUNDLE/rootfs/var/cache/apt/archives/"*.deb
umoci repack --refresh-bundle --image "$OCI:$TAG" --history.created_by "debootstrap --variant=minbase bookworm" "$BUNDLE"

echo "== layer 1: apt-get install ${EXTRA_DEBS[*]}"
cp /etc/resolv.conf "$BUNDLE/rootfs/etc/resolv.conf"
mount -t proc proc "$BUNDLE/rootfs/proc"
trap 'umount "$BUNDLE/rootfs/proc" 2>/dev/null || true' EXIT
chroot "$BUNDLE/rootfs" /bin/sh -c "apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends ${EXTRA_DEBS[*]} >/dev/null && apt-get clean && rm -rf /var/lib/apt/lists/*"
umount "$BUNDLE/rootfs/proc"
trap - EXIT
umoci repack --refresh-bundle --image "$OCI:$TAG" --history.created_by "RUN apt-get install -y ${EXTRA_DEBS[*]}" "$BUNDLE"

echo "== layer 2: node_modules"
mkdir -p "$BUNDLE/rootfs/app"
(cd "$BUNDLE/rootfs/app" && printf '{"name":"bench-app","version":"1.0.0","private":true}\n' >package.json &&
  npm install --no-audit --no-fund --ignore-scripts --silent "${NPM_DEPS[@]}" >/dev/null)
umoci repack --refresh-bundle --image "$OCI:$TAG" --history.created_by "COPY app /app" "$BUNDLE"
umoci gc --layout "$OCI"

echo "== OCI archive and docker save tarball"
skopeo copy --quiet "oci:$OCI:$TAG" "oci-archive:$OCI_ARCHIVE:$TAG"
skopeo copy --quiet "oci:$OCI:$TAG" "docker-archive:$ARCHIVE:vigil-bench/debian-app:latest"
rm -rf "$BUNDLE"
du -sh "$OCI" "$OCI_ARCHIVE" "$ARCHIVE"
