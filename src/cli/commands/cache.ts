/**
 * `vigil cache df` and `vigil cache prune [--sboms] [-f]`: disk usage and clean-up of Vigil's caches
 * (the whole-SBOM cache and the per-layer cache), like `docker scout cache df|prune`.
 */
import type { Command } from "commander";
import { VigilError } from "../../core/errors.js";
import { createLogger } from "../../core/logger.js";
import { cacheDir } from "../../core/paths.js";

export function register(program: Command): void {
  const cache = program.command("cache").description("Manage Vigil's cache and temporary files");
  cache
    .command("df")
    .description("Show the disk usage of Vigil's caches")
    .action(async () => {
      const { renderCacheUsage } = await import("../../sbom/cache-usage.js");
      process.stdout.write(await renderCacheUsage(cacheDir()));
    });
  cache
    .command("prune")
    .description("Remove temporary data (the per-layer cache); with --sboms also the cached SBOMs")
    .option("--sboms", "also delete the cached SBOMs")
    .option("-f, --force", "do not prompt for confirmation")
    .action(async (opts: { sboms?: boolean; force?: boolean }) => {
      const what = opts.sboms ? "all temporary data and all cached SBOMs" : "all temporary data";
      if (!opts.force) {
        if (!process.stdin.isTTY) {
          throw new VigilError("USAGE", `cache prune would delete ${what}: confirm with --force`);
        }
        const { createInterface } = await import("node:readline/promises");
        const rl = createInterface({ input: process.stdin, output: process.stderr });
        const answer = await rl.question(`? Are you sure you want to delete ${what}? [y/N] `);
        rl.close();
        if (!/^y(es)?$/i.test(answer.trim())) {
          process.stderr.write("    Nothing deleted\n");
          return;
        }
      }
      const { pruneCaches } = await import("../../sbom/cache-usage.js");
      const logger = createLogger();
      const r = await pruneCaches(cacheDir(), { sboms: opts.sboms === true });
      logger.progress(`Temporary data deleted (${r.layerEntries} layer cache entries)`);
      if (opts.sboms) logger.progress(`Cached SBOMs deleted (${r.sboms})`);
    });
}
