#!/usr/bin/env node
// Language cataloging overhead (issue: language catalogers): cold indexing of the bench image's OCI
// layout (bench/build-bench-image.sh) with the OS catalogers only and with every cataloger, no caches,
// in process (after `npm run build`). Prints medians and the overhead (target: at most +25 %).
import { existsSync } from "node:fs";
import { join } from "node:path";

const repo = new URL("..", import.meta.url).pathname;
const oci = join(repo, "bench/.work/bench-oci");
if (!existsSync(join(oci, "index.json"))) {
  console.error("build the bench image first: bash bench/build-bench-image.sh");
  process.exit(1);
}
const { indexImage } = await import(join(repo, "dist/index/indexer.js"));
const { allCatalogers } = await import(join(repo, "dist/index/catalogers.js"));
const { osCatalogers } = await import(join(repo, "dist/catalog/os.js"));
const runs = Number(process.env.RUNS ?? 5);
const time = async (catalogers) => {
  const t = [];
  let n = 0;
  for (let i = 0; i <= runs; i++) {
    const s = process.hrtime.bigint();
    const sbom = await indexImage(`oci-dir://${oci}`, { catalogers, sbomCache: false, layerCache: false });
    if (i > 0) t.push(Number(process.hrtime.bigint() - s) / 1e9);
    n = sbom.packages.length;
  }
  t.sort((a, b) => a - b);
  return { median: t[Math.floor(t.length / 2)], packages: n };
};
const os = await time(osCatalogers);
const all = await time(allCatalogers());
console.log(`OS catalogers only:  ${os.median.toFixed(3)} s (${os.packages} packages)`);
console.log(`every cataloger:     ${all.median.toFixed(3)} s (${all.packages} packages)`);
console.log(
  `language cataloging adds ${(((all.median - os.median) / os.median) * 100).toFixed(1)} % (target <= 25 %)`,
);
