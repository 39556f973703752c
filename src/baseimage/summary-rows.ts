/**
 * What `quickview` and `cves --ignore-base/--only-base` need from base-image work:
 * - the base rows of the quickview table (Base image, Refreshed base image, Updated base image) with
 *   their deltas against the base row, computed through recommend();
 * - the split of findings between the base's layers and the user's own.
 */
import type { Finding } from "../match/types.js";
import type { SeverityCounts } from "../report/model.js";
import type { Sbom } from "../sbom/model.js";
import type { BaseImageDetection } from "./detect.js";
import { type LiveOptions, liveDeps } from "./live.js";
import { recommend, splitReference } from "./recommend.js";
import { detectForImage } from "./resolve.js";

export interface BaseRow {
  label: "Base image" | "Refreshed base image" | "Updated base image";
  name: string;
  counts: SeverityCounts;
  /** Delta against the base row (recommendation rows only). */
  delta?: SeverityCounts;
}

function short(ref: string): string {
  const { repository, tag } = splitReference(ref);
  const r = repository.replace(/^docker\.io\/(library\/)?/, "");
  return `${r}${tag ? `:${tag}` : ""}`;
}

/** The quickview rows under "Your image"; empty when no base is detected or it cannot be analysed. */
export async function quickviewBaseRows(
  sbom: Sbom,
  live: LiveOptions & { tag?: string },
): Promise<{ detection?: BaseImageDetection; rows: BaseRow[] }> {
  const detection = await detectForImage(sbom, live);
  if (!detection) return { rows: [] };
  try {
    const r = await recommend(detection, liveDeps(live), { maxCandidates: 6 });
    const rows: BaseRow[] = [
      { label: "Base image", name: short(detection.reference), counts: r.baseSummary.counts },
    ];
    if (r.refresh)
      rows.push({
        label: "Refreshed base image",
        name: short(detection.reference),
        counts: r.refresh.summary.counts,
        delta: r.refresh.delta,
      });
    const top = r.updates[0];
    if (top) {
      const { repository } = splitReference(detection.reference);
      rows.push({
        label: "Updated base image",
        name: short(`${repository}:${top.tag}`),
        counts: top.summary.counts,
        delta: top.delta,
      });
    }
    return { detection, rows };
  } catch (err) {
    live.logger.debug(`base image ${detection.reference} could not be analysed: ${(err as Error).message}`);
    return { detection, rows: [] };
  }
}

/** Whether a finding's package came from the base image's layers. Packages without a layer are the user's. */
export function fromBase(f: Finding, baseLayers: number): boolean {
  return f.package.layerIndex !== undefined && f.package.layerIndex < baseLayers;
}

export function splitByBase(
  findings: readonly Finding[],
  baseLayers: number,
): { base: Finding[]; own: Finding[] } {
  const base: Finding[] = [];
  const own: Finding[] = [];
  for (const f of findings) (fromBase(f, baseLayers) ? base : own).push(f);
  return { base, own };
}
