/**
 * Base images end to end against a real registry on loopback: a base repository with several tags
 * built from the bundled example image's real layers (Debian bookworm packages), an application built
 * on an old tag, and the example advisories (real facts) as the snapshot. Detection by each method,
 * refreshed and updated recommendations with counts checked against independent analyses, compare.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildSnapshot } from "../advisory/store/build.js";
import { comparePair } from "../compare/compare.js";
import { silentLogger } from "../core/logger.js";
import { sha256 } from "../image/image-config.js";
import { RegistryClient } from "../image/registry/client.js";
import { type RunningRegistry, startRegistry } from "../image/registry/test-helpers/registry-server.js";
import { countFindings } from "../report/model.js";
import { renderRecommendationsText } from "../report/recommendations.js";
import { analyzeReference, liveDeps, recordKnownImage } from "./live.js";
import { recommend } from "./recommend.js";
import { detectForImage } from "./resolve.js";
import { BaseImageIndex } from "./store.js";

const repo = new URL("../../", import.meta.url).pathname;
const example = join(repo, "examples/debian-app");
const blob = (d: string) => readFileSync(join(example, "blobs/sha256", d.slice(7)));
const rootIndex = JSON.parse(readFileSync(join(example, "index.json"), "utf8")) as {
  manifests: { digest: string }[];
};
const manifest = JSON.parse(blob(rootIndex.manifests[0]!.digest).toString()) as {
  config: { digest: string };
  layers: { digest: string; mediaType: string; size: number }[];
};
const config = JSON.parse(blob(manifest.config.digest).toString()) as {
  rootfs: { diff_ids: string[] };
  history: { created_by?: string; empty_layer?: boolean }[];
};
const L = manifest.layers.map((l, i) => ({ ...l, diffId: config.rootfs.diff_ids[i]!, data: blob(l.digest) }));

async function push(
  client: RegistryClient,
  name: string,
  tag: string,
  layers: typeof L,
  opts: { label?: string; annotations?: Record<string, string>; created?: string } = {},
): Promise<string> {
  for (const l of layers) await client.pushBlob(name, l.data);
  const cfg = Buffer.from(
    JSON.stringify({
      architecture: "amd64",
      os: "linux",
      created: opts.created ?? "2024-06-01T00:00:00Z",
      config: { Labels: opts.label ? { version: opts.label } : {} },
      rootfs: { type: "layers", diff_ids: layers.map((l) => l.diffId) },
    }),
  );
  await client.pushBlob(name, cfg);
  const m = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: "application/vnd.oci.image.manifest.v1+json",
      config: {
        mediaType: "application/vnd.oci.image.config.v1+json",
        digest: sha256(cfg),
        size: cfg.length,
      },
      layers: layers.map((l) => ({ mediaType: l.mediaType, digest: l.digest, size: l.size })),
      ...(opts.annotations ? { annotations: opts.annotations } : {}),
    }),
  );
  return client.pushManifest(name, tag, "application/vnd.oci.image.manifest.v1+json", m);
}

describe("base images against a real registry", () => {
  let reg: RunningRegistry;
  let dir: string;
  let index: BaseImageIndex;
  let live: Parameters<typeof liveDeps>[0];
  const saved = { cache: process.env.VIGIL_CACHE_DIR, data: process.env.VIGIL_DATA_DIR };
  const d: Record<string, string> = {};

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "vigil-base-e2e-"));
    process.env.VIGIL_CACHE_DIR = join(dir, "cache");
    process.env.VIGIL_DATA_DIR = join(dir, "data");
    const db = join(dir, "db.sqlite");
    await buildSnapshot({ sources: [join(repo, "advisories/example")], out: db });
    reg = await startRegistry();
    const client = new RegistryClient(reg.host);
    index = BaseImageIndex.open(join(dir, "base.sqlite"));
    live = { logger: silentLogger(), db, index };
    // 1. the base as it was when the app was built, indexed then (as `vigil base index` does)
    d.oldBase = await push(client, "library/debian", "12", [L[0]!], { created: "2024-06-01T00:00:00Z" });
    const old = await analyzeReference(`registry://${reg.host}/library/debian:12`, live);
    recordKnownImage(index, old.sbom, silentLogger(), "base-index");
    // 2. the app on top of it, one plain, one annotated, one with provenance
    d.app = await push(client, "shop/app", "1", [L[0]!, L[2]!]);
    d.annotated = await push(client, "shop/app", "annotated", [L[0]!, L[2]!], {
      annotations: {
        "org.opencontainers.image.base.name": `${reg.host}/library/debian:12`,
        "org.opencontainers.image.base.digest": d.oldBase,
      },
    });
    // 3. the base repository moves on: 12 rebuilt with upgrades (refresh), 13 and an older 11
    d.newBase = await push(client, "library/debian", "12", [L[0]!, L[1]!], {
      created: "2024-07-01T00:00:00Z",
    });
    d.v13 = await push(client, "library/debian", "13", [L[0]!, L[1]!], {
      label: "13",
      created: "2024-08-01T00:00:00Z",
    });
    d.v11 = await push(client, "library/debian", "11", [L[0]!], { label: "11" });
  }, 120_000);

  afterAll(async () => {
    index?.close();
    await reg?.stop();
    process.env.VIGIL_CACHE_DIR = saved.cache;
    process.env.VIGIL_DATA_DIR = saved.data;
    if (saved.cache === undefined) delete process.env.VIGIL_CACHE_DIR;
    if (saved.data === undefined) delete process.env.VIGIL_DATA_DIR;
    rmSync(dir, { recursive: true, force: true });
  });

  it("detects the base by layer chain, annotation and the user's --tag", async () => {
    const app = await analyzeReference(`registry://${reg.host}/shop/app:1`, live);
    const chain = await detectForImage(app.sbom, live);
    expect(chain).toMatchObject({ method: "layer-chain", digest: d.oldBase, layerCount: 1 });
    expect(chain!.reference).toBe(`${reg.host}/library/debian:12`);

    const annotated = await analyzeReference(`registry://${reg.host}/shop/app:annotated`, live);
    expect(await detectForImage(annotated.sbom, live)).toMatchObject({
      method: "annotation",
      confidence: "high",
      digest: d.oldBase,
      layerCount: 1,
    });
    expect(await detectForImage(app.sbom, { ...live, tag: "13" })).toMatchObject({
      method: "user",
      reference: `${reg.host}/library/debian:13`,
    });
  });

  it("detects the base from provenance and counts its layers by analysing it", async () => {
    const app = await analyzeReference(`registry://${reg.host}/shop/app:1`, live);
    const withProvenance = {
      ...app.sbom,
      image: { ...app.sbom.image, digest: `sha256:${"9".repeat(64)}` },
      provenance: {
        predicateType: "https://slsa.dev/provenance/v0.2",
        baseImages: [{ uri: `${reg.host}/library/debian:12`, digest: d.oldBase! }],
      },
    };
    const fresh = BaseImageIndex.open(join(dir, "empty.sqlite"));
    try {
      const det = await detectForImage(withProvenance, { ...live, index: fresh });
      expect(det).toMatchObject({
        method: "provenance",
        confidence: "high",
        digest: d.oldBase,
        layerCount: 1,
      });
    } finally {
      fresh.close();
    }
  });

  it("recommends the refreshed tag and the updated tag, with counts from independent analyses", async () => {
    const app = await analyzeReference(`registry://${reg.host}/shop/app:1`, live);
    const base = (await detectForImage(app.sbom, live))!;
    const result = await recommend(base, liveDeps(live));

    const oldCounts = countFindings(
      (await analyzeReference(`registry://${reg.host}/library/debian@${d.oldBase}`, live)).findings,
    );
    const newCounts = countFindings(
      (await analyzeReference(`registry://${reg.host}/library/debian@${d.newBase}`, live)).findings,
    );
    expect(result.baseSummary.digest).toBe(d.oldBase);
    expect(result.baseSummary.counts).toEqual(oldCounts);
    // the old base carries openssl 3.0.17 whose later Debian fixes the tracker lists: it has findings
    const oldTotal = Object.values(oldCounts).reduce((a, b) => a + b, 0);
    expect(oldTotal).toBeGreaterThan(0);
    expect(result.refresh).toBeDefined();
    expect(result.refresh!.summary.digest).toBe(d.newBase);
    expect(result.refresh!.summary.counts).toEqual(newCounts);
    expect(
      result.refresh!.delta.high +
        result.refresh!.delta.critical +
        result.refresh!.delta.medium +
        result.refresh!.delta.low +
        result.refresh!.delta.unspecified,
    ).toBe(Object.values(newCounts).reduce((a, b) => a + b, 0) - oldTotal);
    expect(result.refresh!.reasons[0]).toBe("Newer image for same tag");
    expect(result.updates.map((u) => u.tag)).toEqual(["13"]);
    expect(result.updates[0]!.summary.digest).toBe(d.v13);
    expect(result.updates[0]!.reasons).toContain("Major runtime version update");

    const text = renderRecommendationsText("shop/app:1", result, { now: new Date("2024-09-01T00:00:00Z") });
    expect(text).toContain(`Base image is  ${reg.host}/library/debian:12`);
    expect(text).toContain("Refresh base image");
    expect(text).toContain("Newer image for same tag");
    expect(text).toMatch(/ 13 +│/);
  });

  it("gives quickview's base, refreshed and updated rows with deltas", async () => {
    const { quickviewBaseRows } = await import("./summary-rows.js");
    const { renderQuickview } = await import("../report/quickview.js");
    const app = await analyzeReference(`registry://${reg.host}/shop/app:1`, live);
    const { rows, detection } = await quickviewBaseRows(app.sbom, live);
    expect(detection?.method).toBe("layer-chain");
    expect(rows.map((r) => r.label)).toEqual(["Base image", "Refreshed base image", "Updated base image"]);
    expect(rows[2]!.name).toBe(`${reg.host}/library/debian:13`);
    const text = renderQuickview([
      { label: "Your image", name: "shop/app:1", counts: countFindings(app.findings) },
      ...rows,
    ]);
    const lines = text.split("\n").filter(Boolean);
    expect(lines).toHaveLength(6); // 4 rows + 2 delta rows
    expect(lines[3]).toMatch(/^ +│ +-\d+/);
  });

  it("vigil base index --well-known takes the newest version tags from a mirror registry", async () => {
    const { spawnSync } = await import("node:child_process");
    const main = join(repo, "dist/cli/vigil.cjs");
    const env = {
      ...process.env,
      VIGIL_BASE_REGISTRY: reg.host,
      VIGIL_DATA_DIR: join(dir, "wk-data"),
      VIGIL_CACHE_DIR: join(dir, "wk-cache"),
    };
    const r = spawnSync(process.execPath, [main, "base", "index", "--well-known", "--tags", "2"], {
      encoding: "utf8",
      env,
      timeout: 120_000,
    });
    expect(r.status, r.stderr).toBe(0);
    // debian has tags 11, 12, 13 in the mirror: the newest two and latest (absent) are tried
    expect(r.stderr).toMatch(/Indexed 2 of 3 well-known base images/);
    const list = spawnSync(process.execPath, [main, "base", "list", "--json"], { encoding: "utf8", env });
    const known = JSON.parse(list.stdout) as { tags: string[]; source: string }[];
    expect(known.flatMap((k) => k.tags).sort()).toEqual([
      `${reg.host}/library/debian:12`,
      `${reg.host}/library/debian:13`,
    ]);
    expect(known.every((k) => k.source === "base-index")).toBe(true);
  });

  it("compares the app with its base: the npm packages and their vulnerabilities were added", async () => {
    const app = await analyzeReference(`registry://${reg.host}/shop/app:1`, live);
    const base = await analyzeReference(`registry://${reg.host}/library/debian@${d.oldBase}`, live);
    const r = comparePair(app, base);
    const added = r.packages.filter((p) => p.change === "added").map((p) => p.key);
    expect(added).toEqual(expect.arrayContaining(["npm:minimist", "npm:lodash"]));
    expect(r.summary.removed).toBe(0);
    expect(r.vulnerabilities.added.map((f) => f.id)).toEqual(expect.arrayContaining(["CVE-2021-44906"]));
    expect(r.delta.critical).toBeGreaterThanOrEqual(1);
  });
});
