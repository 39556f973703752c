import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterAll, describe, expect, it } from "vitest";
import type { Sbom } from "../sbom/model.js";
import { detectBaseImage } from "./detect.js";
import { BaseImageIndex } from "./store.js";

const d = (c: string) => `sha256:${c.repeat(64)}`;
const dir = mkdtempSync(join(tmpdir(), "vigil-base-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function sbom(diffIds: string[], extra: Partial<Sbom["image"]> = {}, provenance?: Sbom["provenance"]): Sbom {
  return {
    schemaVersion: "1.0",
    generator: { name: "vigil", version: "t", indexerVersion: "t" },
    createdAt: "2024-01-01T00:00:00Z",
    image: {
      reference: "app",
      digest: d("f"),
      layers: diffIds.map((diffId, index) => ({ index, diffId })),
      ...extra,
    },
    packages: [],
    ...(provenance ? { provenance } : {}),
  };
}

describe("base image index and detection", () => {
  const index = BaseImageIndex.open(join(dir, "idx.sqlite"));
  index.add({
    digest: d("1"),
    name: "docker.io/library/debian",
    tags: ["debian:12", "debian:bookworm"],
    diffIds: [d("a")],
    source: "base-index",
  });
  index.add({
    digest: d("2"),
    name: "docker.io/library/node",
    tags: ["node:20-bookworm"],
    diffIds: [d("a"), d("b"), d("c")],
    source: "base-index",
  });
  index.add({
    digest: d("3"),
    name: "docker.io/library/other",
    tags: ["other:1"],
    diffIds: [d("x"), d("b")],
    source: "indexed",
  });

  it("finds the longest known prefix of the layer chain", () => {
    const app = sbom([d("a"), d("b"), d("c"), d("e")]);
    const det = detectBaseImage(app, index)!;
    expect(det).toMatchObject({
      reference: "node:20-bookworm",
      method: "layer-chain",
      confidence: "medium",
      layerCount: 3,
    });
    expect(index.findBases([d("a"), d("b"), d("c"), d("e")]).map((m) => m.layerCount)).toEqual([3, 1]);
    // same layers in another order are not a prefix
    expect(detectBaseImage(sbom([d("b"), d("a"), d("e")]), index)).toBeUndefined();
    // the image itself is not its own base
    expect(index.findBases([d("a")])).toEqual([]);
  });

  it("prefers provenance, then annotations, then labels", () => {
    const chainable = [d("a"), d("e")];
    const prov = detectBaseImage(
      sbom(chainable, {}, { predicateType: "p", baseImages: [{ uri: "debian:12", digest: d("1") }] }),
      index,
    )!;
    expect(prov).toMatchObject({
      reference: "debian:12",
      method: "provenance",
      confidence: "high",
      layerCount: 1,
    });
    const ann = detectBaseImage(
      sbom(chainable, {
        annotations: {
          "org.opencontainers.image.base.name": "docker.io/library/debian:12",
          "org.opencontainers.image.base.digest": d("1"),
        },
      }),
      index,
    )!;
    expect(ann).toMatchObject({ method: "annotation", confidence: "high", layerCount: 1, digest: d("1") });
    const lab = detectBaseImage(
      sbom(chainable, { labels: { "org.opencontainers.image.base.name": "debian:12" } }),
      index,
    )!;
    expect(lab).toMatchObject({ method: "label", confidence: "medium" });
    const chain = detectBaseImage(sbom(chainable), index)!;
    expect(chain).toMatchObject({ method: "layer-chain", reference: "debian:12", layerCount: 1 });
    expect(chain.alternatives).toContain("debian:bookworm");
  });

  it("lets the user name the base", () => {
    expect(detectBaseImage(sbom([d("a"), d("e")]), index, "debian:12")).toMatchObject({
      method: "user",
      layerCount: 1,
    });
  });

  it("merges tags on re-add and survives reopening", () => {
    index.add({
      digest: d("1"),
      name: "docker.io/library/debian",
      tags: ["debian:12.5"],
      diffIds: [d("a")],
      source: "indexed",
    });
    index.close();
    const again = BaseImageIndex.open(join(dir, "idx.sqlite"));
    expect(again.get(d("1"))).toMatchObject({
      tags: ["debian:12", "debian:12.5", "debian:bookworm"],
      source: "base-index",
    });
    again.close();
  });

  it("re-recording a known image writes nothing unless something changed", () => {
    const path = join(dir, "rescan.sqlite");
    const idx = BaseImageIndex.open(path);
    const img = { digest: d("9"), tags: ["app:1"], diffIds: [d("a"), d("e")], size: 10, source: "indexed" };
    idx.add(img);
    const stamp = () => {
      const db = new Database(path, { readonly: true });
      try {
        return (
          db.prepare("SELECT updated_at FROM images WHERE digest = ?").get(d("9")) as { updated_at: string }
        ).updated_at;
      } finally {
        db.close();
      }
    };
    // a stamp no write of ours can produce, so that a rewrite shows
    const raw = new Database(path);
    raw.prepare("UPDATE images SET updated_at = 'sentinel' WHERE digest = ?").run(d("9"));
    raw.close();
    idx.add(img); // the same scan again
    idx.add({ ...img, tags: [], size: undefined }); // a scan that knows less
    expect(stamp()).toBe("sentinel");
    idx.add({ ...img, size: 11 });
    expect(stamp()).not.toBe("sentinel");
    expect(idx.get(d("9"))).toMatchObject({ tags: ["app:1"], size: 11 });
    idx.close();
  });
});
