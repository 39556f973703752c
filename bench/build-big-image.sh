#!/usr/bin/env bash
# A ~1.1 GB (uncompressed) image for the peak-RSS figure: the bench image (build-bench-image.sh) plus a
# layer holding a copy of this machine's /usr/share (~800 MB of real files, tens of thousands of them).
# Output: bench/.work/big-oci (gzip OCI layout). Needs root and umoci.
set -euo pipefail
cd "$(dirname "$0")"
WORK=$(pwd)/.work
BIG=$WORK/big-oci
BUNDLE=$WORK/big-bundle
[[ -f $WORK/bench-oci/index.json ]] || bash ./build-bench-image.sh
if [[ -f $BIG/index.json && ${REBUILD:-0} != 1 ]]; then
  echo "big image already built ($BIG)"
  exit 0
fi
rm -rf "$BIG" "$BUNDLE"
cp -a "$WORK/bench-oci" "$BIG"
umoci unpack --image "$BIG:bench" "$BUNDLE" >/dev/null
mkdir -p "$BUNDLE/rootfs/opt/share-copy"
cp -a /usr/share/. "$BUNDLE/rootfs/opt/share-copy/"
umoci repack --image "$BIG:bench" --history.created_by "COPY share /opt/share-copy" "$BUNDLE"
umoci gc --layout "$BIG"
rm -rf "$BUNDLE"
du -sh "$BIG"
