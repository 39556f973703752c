/**
 * `vigil base`: the base-image index behind layer-chain detection.
 *   vigil base index IMAGE…            index images (any reference) and remember their layer chains
 *   vigil base index --well-known      index the newest tags of well-known base repositories
 *   vigil base list                    images known to the index
 *   vigil base detect IMAGE            show the detected base image and how it was found
 */
import type { Command } from "commander";
import { VigilError } from "../../core/errors.js";
import { addImageOptions, imageOptionsFrom, type RawImageOptions, sourceOptionsFrom } from "../options.js";

interface BaseFlags extends RawImageOptions {
  wellKnown?: boolean;
  tags?: string;
  json?: boolean;
  tag?: string;
  cache?: boolean;
  db?: string;
}

export function register(program: Command): void {
  const base = program
    .command("base")
    .description("Manage and query the base-image index (layer-chain detection)");

  addImageOptions(
    base
      .command("index")
      .description("Index images and remember their layer chains for base-image detection")
      .argument("[images...]", "image references (registry, local daemon, oci-dir://, archive://)")
      .option("--well-known", "also index well-known base repositories (debian, alpine, node, python …)")
      .option("--tags <n>", "with --well-known: newest version tags per repository (default 5)")
      .option("--no-cache", "neither read nor write the SBOM and layer caches"),
  ).action(async (images: string[], flags: BaseFlags) => {
    const common = imageOptionsFrom(flags);
    const { logger } = common;
    const refs = [...images];
    const { BaseImageIndex } = await import("../../baseimage/store.js");
    const { recordKnownImage, liveDeps } = await import("../../baseimage/live.js");
    const index = BaseImageIndex.open();
    try {
      const live = { ...sourceOptionsFrom(common, { cache: flags.cache }), index };
      if (flags.wellKnown) {
        const n = flags.tags === undefined ? 5 : Number(flags.tags);
        if (!Number.isInteger(n) || n < 1 || n > 50)
          throw new VigilError("USAGE", "--tags: expected 1 to 50");
        const { WELL_KNOWN_BASES, wellKnownRepository } = await import("../../baseimage/well-known.js");
        const { parseTag, compareVersionParts } = await import("../../baseimage/tags.js");
        const deps = liveDeps(live);
        for (const name of WELL_KNOWN_BASES) {
          const repo = wellKnownRepository(name);
          try {
            const tags = (await deps.listTags(repo))
              .map((t) => ({ t, p: parseTag(t) }))
              .filter((x) => x.p.version.length > 0 && !x.p.prerelease && !x.p.dated)
              .sort((a, b) => compareVersionParts(b.p.version, a.p.version))
              .slice(0, n)
              .map((x) => `${repo}:${x.t}`);
            refs.push(...tags, `${repo}:latest`);
          } catch (err) {
            logger.warn(`${repo}: cannot list tags: ${(err as Error).message}`);
          }
        }
      }
      if (refs.length === 0) throw new VigilError("USAGE", "name images to index, or pass --well-known");
      const { indexImage } = await import("../../index/indexer.js");
      let ok = 0;
      for (const ref of refs) {
        try {
          const sbom = await indexImage(ref, {
            platform: common.platform,
            limits: common.limits,
            logger: flags.wellKnown ? (await import("../../core/logger.js")).silentLogger() : logger,
            sbomCache: flags.cache !== false,
            layerCache: flags.cache !== false,
            ...(common.registry ? { registry: common.registry } : {}),
          });
          recordKnownImage(index, sbom, logger, "base-index");
          ok++;
          logger.progress(`Added ${ref} (${sbom.image.layers.length} layers) to the base-image index`);
        } catch (err) {
          if (!flags.wellKnown) throw err;
          logger.warn(`${ref}: ${(err as Error).message}`);
        }
      }
      if (flags.wellKnown) logger.progress(`Indexed ${ok} of ${refs.length} well-known base images`);
    } finally {
      index.close();
    }
  });

  base
    .command("list")
    .description("List the images in the base-image index")
    .option("--json", "print JSON")
    .action(async (flags: BaseFlags) => {
      const { BaseImageIndex } = await import("../../baseimage/store.js");
      const index = BaseImageIndex.open();
      try {
        const all = index.list();
        if (flags.json) {
          process.stdout.write(`${JSON.stringify(all, null, 2)}\n`);
          return;
        }
        const { oneLine, shortDigest } = await import("../../report/text.js");
        for (const k of all) {
          process.stdout.write(
            `${shortDigest(k.digest)}  ${String(k.diffIds.length).padStart(3)} layers  ${k.source.padEnd(10)}  ${oneLine(k.tags.join(", ") || k.name || "", 160)}\n`,
          );
        }
        if (all.length === 0)
          process.stdout.write("The base-image index is empty: add images with `vigil base index`.\n");
      } finally {
        index.close();
      }
    });

  addImageOptions(
    base
      .command("detect")
      .description("Detect an image's base image and say how it was found")
      .argument("<image>", "image reference, oci-dir://, archive:// or sbom://")
      .option("--tag <tag>", "use this base image tag (or reference) instead of detecting it")
      .option("--json", "print JSON")
      .option("--no-cache", "neither read nor write the SBOM and layer caches"),
  ).action(async (image: string, flags: BaseFlags) => {
    const common = imageOptionsFrom(flags);
    const { logger } = common;
    const { BaseImageIndex } = await import("../../baseimage/store.js");
    const { recordKnownImage } = await import("../../baseimage/record.js");
    const { detectForImage } = await import("../../baseimage/resolve.js");
    const { indexImage } = await import("../../index/indexer.js");
    const index = BaseImageIndex.open();
    try {
      const sbom = await indexImage(image, {
        platform: common.platform,
        limits: common.limits,
        logger,
        sbomCache: flags.cache !== false,
        layerCache: flags.cache !== false,
        ...(common.registry ? { registry: common.registry } : {}),
      });
      recordKnownImage(index, sbom, logger);
      const det = await detectForImage(sbom, {
        ...sourceOptionsFrom(common, { cache: flags.cache }),
        index,
        ...(flags.tag ? { tag: flags.tag } : {}),
      });
      if (flags.json) {
        process.stdout.write(`${JSON.stringify(det ?? null, null, 2)}\n`);
        return;
      }
      const { oneLine } = await import("../../report/text.js");
      if (!det) {
        process.stdout.write(
          "No base image detected (no provenance, no base annotation, no known layer prefix).\n",
        );
        return;
      }
      process.stdout.write(
        `Base image  ${oneLine(det.reference, 200)}${det.digest ? `@${det.digest}` : ""}\n` +
          `  method      ${det.method} (${det.confidence} confidence): ${det.explanation}\n` +
          (det.layerCount !== undefined
            ? `  layers      ${det.layerCount} of ${sbom.image.layers.length}\n`
            : "") +
          (det.alternatives.length ? `  also known  ${oneLine(det.alternatives.join(", "), 300)}\n` : ""),
      );
    } finally {
      index.close();
    }
  });
}
