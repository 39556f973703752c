/**
 * `vigil sbom [--format list|json|cyclonedx|spdx] [--output FILE] IMAGE`: index an image and print or
 * write its SBOM (default format json, as Docker Scout).
 */
import type { Command } from "commander";
import { VigilError } from "../../core/errors.js";
import { addImageOptions, checkFormat, imageOptionsFrom, type RawImageOptions } from "../options.js";

interface SbomOptions extends RawImageOptions {
  format: string;
  output?: string;
  onlyPackageType?: string;
  includeFiles?: boolean;
  cache?: boolean;
}

const FORMATS = ["list", "json", "cyclonedx", "spdx"];

export function register(program: Command): void {
  const cmd = program
    .command("sbom")
    .description("Generate or display the SBOM of an image")
    .argument(
      "<image>",
      "an image (NAME[:TAG], image://, local://, registry://), oci-dir://DIR, archive://FILE.tar, fs://DIR, sbom://FILE, or a path",
    )
    .option("--format <format>", `output format: ${FORMATS.join(", ")}`, "json")
    .option("-o, --output <file>", "write the SBOM to a file (atomically) instead of standard output")
    .option("--only-package-type <types>", "comma-separated package types to list (with --format list)")
    .option("--include-files", "keep every OS package's owned-file list (with --format json)")
    .option("--no-cache", "neither read nor write the SBOM and layer caches");
  addImageOptions(cmd).action(async (image: string, opts: SbomOptions) => {
    checkFormat(opts.format, FORMATS);
    if (opts.onlyPackageType !== undefined && opts.format !== "list") {
      throw new VigilError("USAGE", "--only-package-type can only be used with --format list");
    }
    const common = imageOptionsFrom(opts);
    const { indexImage } = await import("../../index/indexer.js");
    const sbom = await indexImage(image, {
      platform: common.platform,
      limits: common.limits,
      logger: common.logger,
      sbomCache: opts.cache !== false,
      layerCache: opts.cache !== false,
      ...(common.registry ? { registry: common.registry } : {}),
    });
    const { renderSbom } = await import("../../sbom/formats/index.js");
    const text = await renderSbom(sbom, opts.format as "list" | "json" | "cyclonedx" | "spdx", {
      onlyTypes: opts.onlyPackageType
        ?.split(",")
        .map((t) => t.trim())
        .filter(Boolean),
      includeFiles: opts.includeFiles === true,
    });
    if (opts.output) {
      const { writeFileAtomic } = await import("../../sbom/cache.js");
      try {
        await writeFileAtomic(opts.output, text);
      } catch (e) {
        throw new VigilError("NOT_FOUND", `cannot write ${opts.output}: ${(e as Error).message}`);
      }
      common.logger.progress(`Report written to ${opts.output}`);
    } else {
      // A closed pipe (`vigil sbom … | head`) ends the output quietly.
      process.stdout.on("error", (e: NodeJS.ErrnoException) => {
        if (e.code === "EPIPE") process.exit(0);
      });
      process.stdout.write(text);
    }
  });
}
