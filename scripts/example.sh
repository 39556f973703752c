#!/usr/bin/env bash
# The quick start: Vigil's main job on the bundled example image, offline.
#   1. build an advisory snapshot from the bundled example advisories (advisories/example: real facts
#      about the example's packages, in the feeds' own formats);
#   2. `vigil quickview` and `vigil cves` of the bundled OCI image (examples/debian-app).
# Nothing is fetched: the image and the advisories are in the repository. Run `npm run build` first.
set -euo pipefail
cd "$(dirname "$0")/.."
DB=${VIGIL_EXAMPLE_DB:-${TMPDIR:-/tmp}/vigil-example-advisories.sqlite}
IMAGE=oci-dir://examples/debian-app
bin/vigil.cjs db build --quiet --source advisories/example --output "$DB"
bin/vigil.cjs quickview --db "$DB" "$IMAGE"
echo
bin/vigil.cjs cves --db "$DB" "$IMAGE"
