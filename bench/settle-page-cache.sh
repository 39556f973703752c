#!/usr/bin/env bash
# Puts the benchmark's input files into the page cache the way a later read of them from disk does:
# each file is written back (`sync`), dropped from the cache (`dd iflag=nocache`, which asks the kernel
# through posix_fadvise(DONTNEED); no root needed) and read back whole (`cat`).
#
# Why: a file just written in small pieces (skopeo writes its tarballs through 32 KiB copies) sits in the
# page cache in a form that reads back slower than one the kernel's read-ahead filled. On one VM, hashing
# the first layer of the freshly written docker-save tarball ran at 0.95 GB/s against 1.2 GB/s for the
# same bytes in a copy, and Vigil's cold index of the archive took 16 ms longer (docs/benchmarks.md). So
# the figures would depend on whether the files were built a minute or a reboot before the run. Every
# tool of a benchmark reads the same settled files.
#
#   bench/settle-page-cache.sh FILE|DIR ...
set -euo pipefail
for arg in "$@"; do
  find "$arg" -type f -print0 | while IFS= read -r -d '' f; do
    sync "$f"
    dd if="$f" iflag=nocache count=0 status=none
    cat "$f" >/dev/null
  done
done
