import { spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildLayer, type LayerCompression, writeOciLayout } from "../../image/test-helpers/build-image.js";
import { indexImage } from "../../index/indexer.js";
import type { Sbom } from "../../sbom/model.js";
import { isBinaryCandidate } from "../binary/candidates.js";
import { buildGoProgram } from "../binary/testing.js";

// An executable file is a program candidate wherever it sits (src/catalog/binary/candidates.ts): a Go
// program that npm installs under node_modules (esbuild's @esbuild/linux-x64/bin/esbuild) or one under
// /usr/lib/<pkg>/ is found, through every kind of source that records modes. Real Go programs built here.
const tmp = mkdtempSync(join(tmpdir(), "vigil-exec-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

let program: Buffer;
beforeAll(async () => {
  program = await buildGoProgram(join(tmp, "go"), "example.com/bundler", "bundler");
}, 60_000);

/** The files of the test image: the same Go program at four places, two of them executable. */
const files = () => [
  { path: "/app/node_modules/@esbuild/linux-x64/bin/esbuild", mode: 0o755, content: program },
  { path: "/usr/lib/tool/helper", mode: 0o755, content: program },
  // the same bytes without an x bit, where the path rule does not look (node_modules): not a program
  { path: "/app/node_modules/some-pkg/bin/data", mode: 0o644, content: program },
  // an executable script: opened, then skipped silently (not a program)
  { path: "/app/node_modules/some-pkg/bin/cli", mode: 0o755, content: Buffer.from("#!/usr/bin/env node\n") },
];

/** Where the test's program was found (one package per program, or one with a location per copy). */
function programsOf(sbom: Sbom, name = "example.com/bundler"): string[] {
  return sbom.packages
    .filter((p) => p.type === "golang" && p.name === name)
    .flatMap((p) => p.locations.map((l) => l.path))
    .sort();
}

const FOUND = ["/app/node_modules/@esbuild/linux-x64/bin/esbuild", "/usr/lib/tool/helper"];

describe("executable files are program candidates wherever they sit", () => {
  for (const c of ["gzip", "none"] as LayerCompression[]) {
    it(`finds them in a ${c === "gzip" ? "gzip OCI layout (streamed, parts kept)" : "docker archive (header seeking)"}`, async () => {
      const layout = join(tmp, `oci-${c}`);
      const layer = await buildLayer(
        files().map((f) => ({ name: f.path.slice(1), content: f.content, mode: f.mode })),
        c,
      );
      writeOciLayout(layout, { layers: [layer] });
      let source = `oci-dir://${layout}`;
      if (c === "none") {
        const tar = join(tmp, "docker.tar");
        const r = spawnSync(
          "skopeo",
          ["copy", "--quiet", `oci:${layout}:latest`, `docker-archive:${tar}:x/y:1`],
          {
            encoding: "utf8",
          },
        );
        expect(r.error, "skopeo is needed (apt-get install skopeo)").toBeUndefined();
        expect(r.status, r.stderr).toBe(0);
        source = `archive://${tar}`;
      }
      const sbom = await indexImage(source, { cacheDir: join(tmp, `cache-${c}`) });
      expect(programsOf(sbom)).toEqual(FOUND);
      expect(programsOf(sbom, "stdlib")).toEqual(FOUND);
      // the per-layer cache gives the same answer (its key carries the catalogers' versions)
      const again = await indexImage(source, { cacheDir: join(tmp, `cache-${c}`), sbomCache: false });
      expect(programsOf(again)).toEqual(FOUND);
    });
  }

  it("finds them in a root filesystem (fs://), by the files' own modes", async () => {
    const root = join(tmp, "rootfs");
    for (const f of files()) {
      const abs = join(root, f.path);
      mkdirSync(dirname(abs), { recursive: true });
      writeFileSync(abs, f.content);
      chmodSync(abs, f.mode);
    }
    const sbom = await indexImage(`fs://${root}`, { cacheDir: join(tmp, "cache-fs") });
    expect(programsOf(sbom)).toEqual(FOUND);
  });

  it("decides by the x bits and the extension when the mode is known, by the path when it is not", () => {
    const big = 2_000_000;
    expect(isBinaryCandidate("/app/node_modules/@esbuild/linux-x64/bin/esbuild", big, 0o755)).toBe(true);
    expect(isBinaryCandidate("/app/node_modules/@esbuild/linux-x64/bin/esbuild", big, 0o100755)).toBe(true);
    expect(isBinaryCandidate("/app/node_modules/@esbuild/linux-x64/bin/esbuild", big, 0o644)).toBe(false);
    expect(isBinaryCandidate("/app/node_modules/@esbuild/linux-x64/bin/esbuild", big)).toBe(false);
    expect(isBinaryCandidate("/opt/app/server.v2", big, 0o700)).toBe(true);
    expect(isBinaryCandidate("/usr/lib/git-core/git-remote-http", big, 0o755)).toBe(true);
    expect(isBinaryCandidate("/usr/lib/x86_64-linux-gnu/libc.so.6", big, 0o755)).toBe(false);
    expect(isBinaryCandidate("/app/node_modules/x/cli.js", big, 0o755)).toBe(false);
    expect(isBinaryCandidate("/usr/share/doc/x/run.sh", big, 0o755)).toBe(false);
    expect(isBinaryCandidate("/usr/local/bin/tool", 100, 0o755)).toBe(false); // too small
    // without an x bit, the path rule still holds (a program directory)
    expect(isBinaryCandidate("/usr/local/bin/tool", big, 0o644)).toBe(true);
    // the last answer is not reused for another mode
    expect(isBinaryCandidate("/srv/x/y/z", big, 0o755)).toBe(true);
    expect(isBinaryCandidate("/srv/x/y/z", big, 0o644)).toBe(true);
    expect(isBinaryCandidate("/var/lib/x/prog", big, 0o755)).toBe(true);
    expect(isBinaryCandidate("/var/lib/x/prog", big, 0o644)).toBe(false);
  });
});
