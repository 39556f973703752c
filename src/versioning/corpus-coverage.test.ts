/**
 * Guards "every vector runs": each file under ../shared/corpus/versions/ is named here with the test
 * that runs it, and each osv-scalibr `.txt` original is proved identical, row for row, to the `.tsv`
 * that the scheme tests run. A new corpus file fails this test until a scheme test consumes it.
 */
import { readdirSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { CORPUS_VERSIONS, corpusLines, vectorRows } from "./test-helpers/corpus.js";

const COVERAGE: Record<string, string> = {
  "alpine/apk-tools.tsv": "apk.test.ts",
  "alpine/apk-tools-fuzzy.tsv": "apk.test.ts",
  "alpine/apk-tools-validity.tsv": "apk.test.ts",
  "alpine/apk-tools-version.data": "here: = apk-tools.tsv + apk-tools-fuzzy.tsv + apk-tools-validity.tsv",
  "alpine/osv-scalibr-alpine-versions.tsv": "apk.test.ts",
  "alpine/osv-scalibr-alpine-versions.txt": "here: = its .tsv",
  "alpine/osv-scalibr-alpine-versions-generated.tsv": "apk.test.ts",
  "alpine/osv-scalibr-alpine-versions-generated.txt": "here: = its .tsv",
  "alpine/osv.dev-alpine-invalid_versions.txt": "apk.test.ts",
  "alpine/osv.dev-alpine-valid_versions.txt": "apk.test.ts",
  "cran/osv-scalibr-cran-versions.tsv": "generic.test.ts",
  "cran/osv-scalibr-cran-versions.txt": "here: = its .tsv",
  "cran/osv-scalibr-cran-versions-generated.tsv": "generic.test.ts",
  "cran/osv-scalibr-cran-versions-generated.txt": "here: = its .tsv",
  "debian/apt-compareversion.tsv": "deb.test.ts",
  "debian/dpkg-Dpkg_Version.t.DATA.txt": "deb.test.ts",
  "debian/dpkg.tsv": "deb.test.ts",
  "debian/go-deb-version.tsv": "deb.test.ts",
  "debian/osv-scalibr-debian-versions.tsv": "deb.test.ts",
  "debian/osv-scalibr-debian-versions.txt": "here: = its .tsv",
  "debian/osv-scalibr-debian-versions-generated.tsv": "deb.test.ts",
  "debian/osv-scalibr-debian-versions-generated.txt": "here: = its .tsv",
  "hackage/osv-scalibr-hackage-versions.tsv": "generic.test.ts",
  "hackage/osv-scalibr-hackage-versions.txt": "here: = its .tsv",
  "maven/maven-ComparableVersionTest.tsv": "maven.test.ts",
  "maven/osv-scalibr-maven-versions.tsv": "maven.test.ts",
  "maven/osv-scalibr-maven-versions.txt": "here: = its .tsv",
  "maven/osv-scalibr-maven-versions-generated.tsv": "maven.test.ts",
  "maven/osv-scalibr-maven-versions-generated.txt": "here: = its .tsv",
  "npm/node-semver-comparisons.tsv": "semver.test.ts",
  "npm/node-semver-comparisons-loose.tsv": "semver.test.ts",
  "npm/node-semver-equality.tsv": "semver.test.ts",
  "npm/node-semver-equality-loose.tsv": "semver.test.ts",
  "npm/node-semver-range-exclude.tsv": "semver.test.ts",
  "npm/node-semver-range-include.tsv": "semver.test.ts",
  "nuget/osv-scalibr-nuget-versions.tsv": "nuget.test.ts",
  "nuget/osv-scalibr-nuget-versions.txt": "here: = its .tsv",
  "packagist/osv-scalibr-packagist-versions.tsv": "composer.test.ts",
  "packagist/osv-scalibr-packagist-versions.txt": "here: = its .tsv",
  "packagist/osv-scalibr-packagist-versions-generated.tsv": "composer.test.ts",
  "packagist/osv-scalibr-packagist-versions-generated.txt": "here: = its .tsv",
  "pub/osv-scalibr-pub-versions.tsv": "generic.test.ts (pub scheme)",
  "pub/osv-scalibr-pub-versions.txt": "here: = its .tsv",
  "pypi/osv-scalibr-pypi-versions.tsv": "pep440.test.ts",
  "pypi/osv-scalibr-pypi-versions.txt": "here: = its .tsv",
  "pypi/osv-scalibr-pypi-versions-generated.tsv": "pep440.test.ts",
  "pypi/osv-scalibr-pypi-versions-generated.txt": "here: = its .tsv",
  "pypi/packaging-invalid-versions.txt": "pep440.test.ts",
  "pypi/packaging-normalized-equal.tsv": "pep440.test.ts",
  "pypi/packaging-VERSIONS-sorted.tsv": "pep440.test.ts",
  "rpm/go-rpm-version.tsv": "rpm.test.ts",
  "rpm/osv-scalibr-redhat-versions.tsv": "rpm.test.ts",
  "rpm/osv-scalibr-redhat-versions.txt": "here: = its .tsv",
  "rpm/rpmvercmp.tsv": "rpm.test.ts",
  "rubygems/osv-scalibr-rubygems-versions.tsv": "gem.test.ts",
  "rubygems/osv-scalibr-rubygems-versions.txt": "here: = its .tsv",
  "rubygems/osv-scalibr-rubygems-versions-generated.tsv": "gem.test.ts",
  "rubygems/osv-scalibr-rubygems-versions-generated.txt": "here: = its .tsv",
  "rubygems/rubygems-test_gem_version.tsv": "gem.test.ts",
  "semver/osv-scalibr-semver-versions.tsv": "semver.test.ts, golang.test.ts",
  "semver/osv-scalibr-semver-versions.txt": "here: = its .tsv",
};

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? walk(p) : [relative(CORPUS_VERSIONS, p)];
  });
}

/** `a OP b` rows of an osv-scalibr .txt fixture (comments `#`/`//` and blank lines skipped). */
function txtRows(rel: string): string[] {
  const rows: string[] = [];
  for (const raw of corpusLines(rel)) {
    const line = raw.replace(/\s+#.*$/, "").trim();
    if (line === "" || line.startsWith("#") || line.startsWith("//")) continue;
    const m = /^(\S*) ([<=>]) (\S*)$/.exec(line);
    if (!m) throw new Error(`${rel}: unexpected line ${JSON.stringify(raw)}`);
    rows.push(`${m[1]}\t${m[2]}\t${m[3]}`);
  }
  return rows;
}

describe("version corpus coverage", () => {
  it("every file under versions/ is consumed by a named test", () => {
    expect(walk(CORPUS_VERSIONS).sort()).toEqual(Object.keys(COVERAGE).sort());
  });

  for (const txt of Object.keys(COVERAGE).filter((f) => COVERAGE[f] === "here: = its .tsv")) {
    it(`${txt} holds exactly the rows of its .tsv`, () => {
      const tsv = vectorRows(txt.replace(/\.txt$/, ".tsv")).map((r) => `${r.left}\t${r.op}\t${r.right}`);
      expect(txtRows(txt)).toEqual(tsv);
    });
  }

  it("apk-tools' version.data is exactly its comparison, fuzzy and validity tables", () => {
    const data = corpusLines("alpine/apk-tools-version.data")
      .map((l) => l.replace(/#.*$/, "").trim())
      .filter((l) => l !== "");
    const cmp = vectorRows("alpine/apk-tools.tsv").map((r) => `${r.left} ${r.op} ${r.right}`);
    const fuzzy = corpusLines("alpine/apk-tools-fuzzy.tsv").map((l) => l.split("\t").join(" "));
    const validity = corpusLines("alpine/apk-tools-validity.tsv").map((l) => {
      const [v, w] = l.split("\t");
      return w === "valid" ? v! : `!${v}`;
    });
    expect([...data].sort()).toEqual([...cmp, ...fuzzy, ...validity].sort());
  });
});
