/**
 * The vulnerability pipeline for one image, shared by `vigil cves` and `vigil quickview` (and later the
 * service): index (or read the cached SBOM) → open the advisory snapshot → match → apply VEX.
 * The I/O edge of the matcher: everything below it is pure.
 */
import type { Logger } from "../core/logger.js";
import type { ImageLimits, RegistryAccess } from "../image/types.js";
import type { Sbom } from "../sbom/model.js";
import { match } from "./matcher.js";
import type { Finding, MatchResult } from "./types.js";
import { applyVex, parseVexDocument, type VexDocument } from "./vex.js";
import { loadVexLocations } from "./vex-files.js";

export interface AnalyzeOptions {
  platform?: string | undefined;
  limits?: ImageLimits;
  logger: Logger;
  /** Snapshot path (default: the current snapshot of `vigil db`). */
  db?: string;
  /** Fail (ADVISORY_DB) when the snapshot is older than `maxAgeDays`. */
  requireFreshDb?: boolean;
  maxAgeDays?: number;
  includeDistroIgnored?: boolean;
  vexLocations?: string[];
  /** Extra VEX documents (in-toto attestations from the image source). */
  vexDocuments?: VexDocument[];
  vexAuthors?: RegExp[];
  cache?: boolean;
  /** Registry credentials / insecure hosts (from --username/--password-stdin/--insecure-registry). */
  registry?: RegistryAccess;
  /** Use this SBOM instead of indexing (library callers, tests). */
  sbom?: Sbom;
}

export interface Analysis {
  sbom: Sbom;
  result: MatchResult;
  /** Findings after VEX (suppressed ones marked, not removed). */
  findings: Finding[];
  warnings: string[];
  snapshot: { path: string; builtAt: string; contentHash: string };
}

export async function analyzeImage(reference: string, opts: AnalyzeOptions): Promise<Analysis> {
  const { logger } = opts;
  const warnings: string[] = [];
  // open the snapshot first: a missing database fails before any image work
  const { openSnapshot, defaultSnapshotPath } = await import("../advisory/store/open.js");
  const { checkFreshness, DEFAULT_MAX_AGE_DAYS } = await import("../advisory/store/freshness.js");
  const path = opts.db ?? defaultSnapshotPath();
  const store = openSnapshot(path);
  try {
    // a stale snapshot is a warning (on the logger), or an ADVISORY_DB error with --require-fresh-db
    checkFreshness(store, opts.maxAgeDays ?? DEFAULT_MAX_AGE_DAYS, {
      require: opts.requireFreshDb ?? false,
      logger,
    });
    const vexDocs: VexDocument[] = [...(opts.vexDocuments ?? [])];
    if (opts.vexLocations?.length) {
      const loaded = loadVexLocations(opts.vexLocations);
      vexDocs.push(...loaded.documents);
      warnings.push(...loaded.warnings);
      logger.progress(
        `Loaded ${loaded.documents.length} VEX document${loaded.documents.length === 1 ? "" : "s"}`,
      );
    }
    let sbom = opts.sbom;
    if (!sbom) {
      const { indexImage } = await import("../index/indexer.js");
      sbom = await indexImage(reference, {
        platform: opts.platform,
        ...(opts.limits ? { limits: opts.limits } : {}),
        logger,
        sbomCache: opts.cache !== false,
        layerCache: opts.cache !== false,
        ...(opts.registry ? { registry: opts.registry } : {}),
      });
    }
    // VEX carried by the image: attestations, else `*.vex.json` files inside it (Scout's precedence).
    const carried: { name: string; doc: unknown }[] = sbom.attestedVex?.length
      ? sbom.attestedVex.map((doc, i) => ({ name: `VEX attestation ${i + 1}`, doc }))
      : (sbom.imageVex ?? []).map((v) => ({ name: v.path, doc: v.document }));
    for (const c of carried) {
      try {
        vexDocs.push(parseVexDocument(JSON.stringify(c.doc), c.name));
      } catch (err) {
        warnings.push(`${c.name}: ${(err as Error).message}; ignored`);
      }
    }
    if (carried.length > 0)
      logger.progress(
        `Loaded ${carried.length} VEX document${carried.length === 1 ? "" : "s"} from the ${sbom.attestedVex?.length ? "image's attestations" : "image"}`,
      );
    const result = match(sbom, store, { includeDistroIgnored: opts.includeDistroIgnored ?? false });
    warnings.push(...result.warnings);
    let findings = result.findings;
    if (vexDocs.length) {
      const applied = applyVex(
        findings,
        vexDocs,
        sbom.image,
        opts.vexAuthors ? { authors: opts.vexAuthors } : {},
      );
      findings = applied.findings;
      warnings.push(...applied.warnings);
    }
    return {
      sbom,
      result,
      findings,
      warnings,
      snapshot: { path, builtAt: store.manifest.builtAt, contentHash: store.manifest.contentHash },
    };
  } finally {
    store.close();
  }
}
