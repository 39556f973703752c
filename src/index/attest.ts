import type { Logger } from "../core/logger.js";
import { mergeAttestedPackages, readAttestations } from "../image/attestations.js";
import type { OpenedImage } from "../image/types.js";
import type { Sbom } from "../sbom/model.js";

/**
 * Reads the image's build attestations (when its source can see them) into the SBOM: provenance
 * (base images, build args, VCS) and SBOM-attestation packages merged by purl. VEX statements found
 * in attestations are returned for the matcher. Unreadable attestations are warnings, never failures.
 */
export async function applyAttestations(
  image: OpenedImage,
  sbom: Sbom,
  logger: Logger,
): Promise<{ vexDocuments: unknown[] }> {
  if (!image.attestations) return { vexDocuments: [] };
  let statements: Awaited<ReturnType<NonNullable<OpenedImage["attestations"]>>>;
  try {
    statements = await image.attestations();
  } catch (err) {
    logger.warn(`attestations of ${image.info.reference} could not be read: ${(err as Error).message}`);
    return { vexDocuments: [] };
  }
  if (statements.length === 0) return { vexDocuments: [] };
  const read = readAttestations(statements, logger, image.info.reference);
  if (read.provenance) {
    sbom.provenance = read.provenance;
    logger.progress("Provenance obtained from attestation");
  }
  if (read.sbomPackages.length > 0) {
    const before = sbom.packages.length;
    sbom.packages = mergeAttestedPackages(sbom.packages, read.sbomPackages);
    sbom.sources = [...(sbom.sources ?? []), { kind: "attestation", detail: "SBOM attestation" }];
    logger.progress(
      `SBOM obtained from attestation, ${read.sbomPackages.length} packages found (${sbom.packages.length - before} not on the filesystem)`,
    );
  }
  if (read.vexDocuments.length > 0) {
    sbom.attestedVex = read.vexDocuments;
    logger.progress("VEX statements obtained from attestation");
  }
  return { vexDocuments: read.vexDocuments };
}
