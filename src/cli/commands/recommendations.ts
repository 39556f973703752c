/**
 * `vigil recommendations IMAGE`: refreshed and updated base images, as `docker scout recommendations`.
 * Thin: analyse the image → detect its base → recommend() with registry-backed deps → render.
 */
import type { Command } from "commander";
import { VigilError } from "../../core/errors.js";
import {
  addImageOptions,
  checkExclusive,
  checkFormat,
  imageOptionsFrom,
  type RawImageOptions,
  sourceOptionsFrom,
} from "../options.js";

interface RecommendationsFlags extends RawImageOptions {
  onlyRefresh?: boolean;
  onlyUpdate?: boolean;
  tag?: string;
  format: string;
  output?: string;
  db?: string;
  cache?: boolean;
  maxCandidates?: string;
}

export function register(program: Command): void {
  const cmd = program
    .command("recommendations")
    .description("Display available base image updates and remediation recommendations")
    .argument("<image>", "image reference, oci-dir://DIR, archive://FILE.tar or sbom://FILE")
    .option("--only-refresh", "only refresh recommendations (same tag, newer build)")
    .option("--only-update", "only update recommendations (other tags)")
    .option("--tag <tag>", "use this base image tag (or full reference) instead of the detected one")
    .option("--format <format>", "text or json", "text")
    .option("-o, --output <file>", "write the recommendations to a file")
    .option("--max-candidates <n>", "other tags to analyse at most (default 8)")
    .option("--db <path>", "advisory snapshot to use (default: the current `vigil db` snapshot)")
    .option("--no-cache", "neither read nor write the SBOM and layer caches");
  addImageOptions(cmd).action(async (image: string, flags: RecommendationsFlags) => {
    checkExclusive(flags.onlyRefresh, "--only-refresh", flags.onlyUpdate, "--only-update");
    checkFormat(flags.format, ["text", "json"]);
    const max = flags.maxCandidates === undefined ? 8 : Number(flags.maxCandidates);
    if (!Number.isInteger(max) || max < 0 || max > 100)
      throw new VigilError("USAGE", "--max-candidates: expected an integer from 0 to 100");
    const common = imageOptionsFrom(flags);
    const { logger } = common;
    const { BaseImageIndex } = await import("../../baseimage/store.js");
    const { analyzeReference, liveDeps } = await import("../../baseimage/live.js");
    const { detectForImage } = await import("../../baseimage/resolve.js");
    const { recommend } = await import("../../baseimage/recommend.js");
    const index = BaseImageIndex.open();
    try {
      const live = { ...sourceOptionsFrom(common, flags), index };
      const analysis = await analyzeReference(image, live, { progress: true });
      const base = await detectForImage(analysis.sbom, { ...live, ...(flags.tag ? { tag: flags.tag } : {}) });
      if (!base)
        throw new VigilError(
          "NOT_FOUND",
          `image has no base image that Vigil can detect (no provenance, no base annotation, no known layer prefix); pass one with --tag, or add candidates with \`vigil base index\``,
        );
      const result = await recommend(base, liveDeps(live), {
        onlyRefresh: flags.onlyRefresh === true,
        onlyUpdate: flags.onlyUpdate === true,
        maxCandidates: max,
      });
      const { renderRecommendationsJson, renderRecommendationsText } = await import(
        "../../report/recommendations.js"
      );
      const name = analysis.sbom.image.tags?.[0] ?? analysis.sbom.image.name ?? image;
      const text =
        flags.format === "json"
          ? renderRecommendationsJson(name, result)
          : renderRecommendationsText(name, result, {
              onlyRefresh: flags.onlyRefresh,
              onlyUpdate: flags.onlyUpdate,
            });
      const { writeOutput } = await import("../output.js");
      await writeOutput(text, flags.output, logger);
    } finally {
      index.close();
    }
  });
}
