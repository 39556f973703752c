import { VigilError } from "../core/errors.js";
import type { Logger } from "../core/logger.js";

/** Writes a command's output to stdout, or atomically to `file` with Scout's "Report written to" line. */
export async function writeOutput(text: string, file: string | undefined, logger: Logger): Promise<void> {
  if (!file) {
    process.stdout.write(text);
    return;
  }
  const { writeFileAtomic } = await import("../sbom/cache.js");
  try {
    await writeFileAtomic(file, text);
  } catch (e) {
    throw new VigilError("NOT_FOUND", `cannot write ${file}: ${(e as Error).message}`);
  }
  logger.progress(`Report written to ${file}`);
}
