/**
 * `vigil quickview IMAGE` (alias `qv`): the one-glance summary of `docker scout quickview` —
 * `Your image  NAME │ 0C 2H 8M 1L` after VEX. Base-image rows come with base-image detection.
 */
import type { Command } from "commander";
import { addImageOptions, imageOptionsFrom, type RawImageOptions, sourceOptionsFrom } from "../options.js";
import { addVulnOptions, analyzeOptionsFrom } from "./cves.js";

interface QuickviewFlags extends RawImageOptions {
  vexLocation?: string[];
  vexAuthor?: string[];
  includeDistroIgnored?: boolean;
  db?: string;
  requireFreshDb?: boolean;
  cache?: boolean;
  base?: boolean;
}

export function register(program: Command): void {
  const cmd = program
    .command("quickview")
    .alias("qv")
    .description("Quick overview of an image's vulnerabilities")
    .argument(
      "<image>",
      "an image (NAME[:TAG], image://, local://, registry://), oci-dir://DIR, archive://FILE.tar, fs://DIR, sbom://FILE, or a path",
    );
  cmd.option("--no-base", "skip base-image detection and the base, refreshed and updated base rows");
  addImageOptions(addVulnOptions(cmd)).action(async (image: string, flags: QuickviewFlags) => {
    const common = imageOptionsFrom(flags);
    const { logger } = common;
    const { analyzeImage } = await import("../../match/analyze.js");
    const analysis = await analyzeImage(image, analyzeOptionsFrom(flags, common));
    for (const w of analysis.warnings) logger.warn(w);
    const { countFindings, renderQuickview } = await import("../../report/index.js");
    const counts = countFindings(analysis.findings);
    const name = analysis.sbom.image.name ?? image.replace(/^[a-z-]+:\/\//, "");
    const tag = analysis.sbom.image.tags?.[0];
    let display = name;
    if (tag && /[/:@]/.test(tag)) {
      const { familiarName, parseImageRef } = await import("../../reference/image-ref.js");
      try {
        display = familiarName(parseImageRef(tag));
      } catch {
        display = tag;
      }
    } else if (tag && !name.includes(":")) display = `${name}:${tag}`;
    const rows: Parameters<typeof renderQuickview>[0] = [{ label: "Your image", name: display, counts }];
    let detection: { method: string } | undefined;
    if (flags.base !== false) {
      const { BaseImageIndex } = await import("../../baseimage/store.js");
      const { recordKnownImage } = await import("../../baseimage/record.js");
      const { quickviewBaseRows } = await import("../../baseimage/summary-rows.js");
      const index = BaseImageIndex.open();
      try {
        recordKnownImage(index, analysis.sbom, logger);
        const base = await quickviewBaseRows(analysis.sbom, { ...sourceOptionsFrom(common, flags), index });
        detection = base.detection;
        rows.push(...base.rows);
      } finally {
        index.close();
      }
    }
    if (detection?.method === "layer-chain")
      logger.info?.(
        "Base image was auto-detected. To get more accurate results, build images with provenance attestations.",
      );
    process.stdout.write(renderQuickview(rows));
    if (!common.quiet) {
      process.stdout.write(`\nWhat's next:\n    View vulnerabilities → vigil cves ${image}\n`);
      if (detection)
        process.stdout.write(`    View base image update recommendations → vigil recommendations ${image}\n`);
    }
  });
}
