#!/usr/bin/env node
/**
 * Compares the OS packages in a Vigil JSON SBOM with those in a Trivy CycloneDX SBOM and prints the
 * differences.   node bench/compare-os-packages.mjs VIGIL.json TRIVY.cdx.json
 */
import { readFileSync } from "node:fs";
import { PackageURL } from "packageurl-js";

const [vigilPath, trivyPath] = process.argv.slice(2);
const OS = new Set(["deb", "apk", "rpm"]);

const vigil = JSON.parse(readFileSync(vigilPath, "utf8"));
const v = new Set(
  vigil.packages
    .filter((p) => OS.has(p.type))
    .map((p) => `${p.type}:${p.name}@${p.version}${p.arch ? `:${p.arch}` : ""}`),
);

const trivy = JSON.parse(readFileSync(trivyPath, "utf8"));
const t = new Set();
const walk = (list) => {
  for (const c of list ?? []) {
    if (c.purl) {
      try {
        const p = PackageURL.fromString(c.purl);
        if (OS.has(p.type)) {
          const q = p.qualifiers ?? {};
          const version = q.epoch && q.epoch !== "0" ? `${q.epoch}:${p.version}` : p.version;
          t.add(`${p.type}:${p.name}@${version}${q.arch ? `:${q.arch}` : ""}`);
        }
      } catch {
        // not a purl
      }
    }
    walk(c.components);
  }
};
walk(trivy.components);

const onlyV = [...v].filter((x) => !t.has(x)).sort();
const onlyT = [...t].filter((x) => !v.has(x)).sort();
console.log(`OS packages: vigil ${v.size}, trivy ${t.size}, common ${[...v].filter((x) => t.has(x)).length}`);
if (onlyV.length) console.log(`only in vigil (${onlyV.length}):\n  ${onlyV.join("\n  ")}`);
if (onlyT.length) console.log(`only in trivy (${onlyT.length}):\n  ${onlyT.join("\n  ")}`);
if (!onlyV.length && !onlyT.length) console.log("same OS package lists");
