import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { buildSnapshot } from "../advisory/store/build.js";
import { silentLogger } from "../core/logger.js";
import { buildLayer, putBlob, sha256 } from "../image/test-helpers/build-image.js";
import { analyzeImage } from "../match/analyze.js";

const repo = new URL("../../", import.meta.url).pathname;
const ex = join(repo, "examples/debian-app");
const blob = (d: string) => readFileSync(join(ex, "blobs/sha256", d.slice(7)));
const dir = mkdtempSync(join(tmpdir(), "vigil-image-vex-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const vex = {
  "@context": "https://openvex.dev/ns/v0.2.0",
  "@id": "https://shop.example/vex/app-1",
  author: "Shop security team",
  timestamp: "2024-06-01T00:00:00Z",
  version: 1,
  statements: [
    {
      vulnerability: { name: "CVE-2021-44906" },
      products: [{ "@id": "pkg:npm/minimist@1.2.5" }],
      status: "not_affected",
      justification: "vulnerable_code_not_in_execute_path",
    },
  ],
};

/** The example image plus one layer holding a VEX document (and a broken one), as an OCI layout. */
async function imageWithVex(): Promise<string> {
  const out = join(dir, "layout");
  const idx = JSON.parse(readFileSync(join(ex, "index.json"), "utf8")) as { manifests: { digest: string }[] };
  const man = JSON.parse(blob(idx.manifests[0]!.digest).toString()) as {
    config: { digest: string };
    layers: { digest: string; mediaType: string; size: number }[];
  };
  const cfg = JSON.parse(blob(man.config.digest).toString()) as { rootfs: { diff_ids: string[] } } & Record<
    string,
    unknown
  >;
  for (const l of man.layers) putBlob(out, blob(l.digest));
  const extra = await buildLayer([
    { name: "app/", type: "directory" },
    { name: "app/minimist.vex.json", content: JSON.stringify(vex) },
    { name: "app/broken.vex.json", content: "{ not json" },
  ]);
  putBlob(out, extra.blob);
  const config = Buffer.from(
    JSON.stringify({
      ...cfg,
      history: undefined,
      rootfs: { type: "layers", diff_ids: [...cfg.rootfs.diff_ids, extra.diffId] },
    }),
  );
  const cd = putBlob(out, config);
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: "application/vnd.oci.image.manifest.v1+json",
      config: { mediaType: "application/vnd.oci.image.config.v1+json", digest: cd, size: config.length },
      layers: [...man.layers, { mediaType: extra.mediaType, digest: extra.digest, size: extra.blob.length }],
    }),
  );
  const md = putBlob(out, manifest);
  expect(md).toBe(sha256(manifest));
  writeFileSync(join(out, "oci-layout"), '{"imageLayoutVersion":"1.0.0"}');
  writeFileSync(
    join(out, "index.json"),
    JSON.stringify({
      schemaVersion: 2,
      manifests: [
        { mediaType: "application/vnd.oci.image.manifest.v1+json", digest: md, size: manifest.length },
      ],
    }),
  );
  return out;
}

describe("OpenVEX documents inside the image", () => {
  it("are captured, applied (suppressing the finding) and a broken one is a warning", async () => {
    const db = join(dir, "db.sqlite");
    await buildSnapshot({ sources: [join(repo, "advisories/example")], out: db });
    const layout = await imageWithVex();
    const logger = silentLogger();
    const a = await analyzeImage(`oci-dir://${layout}`, { logger, db, cache: false });
    expect(a.sbom.imageVex?.map((v) => v.path)).toEqual(["/app/minimist.vex.json"]);
    expect(
      logger.warnings.some((w) => /\/app\/broken\.vex\.json: VEX document is not valid JSON/.test(w)),
    ).toBe(true);
    const minimist = a.findings.find((f) => f.id === "CVE-2021-44906")!;
    expect(minimist.suppressed).toBe(true);
    expect(minimist.vex).toMatchObject({ status: "not_affected", document: "/app/minimist.vex.json" });
    // the lodash findings are untouched
    expect(a.findings.filter((f) => f.package.name === "lodash" && !f.suppressed).length).toBeGreaterThan(0);
  });
});
