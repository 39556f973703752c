/**
 * Base-image detection, most trusted first:
 * 1. provenance attestation materials (the FROM image with its digest) — "provenance", high;
 * 2. OCI annotations `org.opencontainers.image.base.name`/`.base.digest` on the manifest — high;
 *    the same keys as config labels — medium;
 * 3. layer-chain matching against the base-image index (the longest known image whose layers are a
 *    prefix of this image's) — "auto-detected", medium (several candidates: low).
 * The user can name the base (`--tag`, or a full reference), which wins over all of them.
 */

import { collate } from "../core/collate.js";
import type { Sbom } from "../sbom/model.js";
import type { BaseImageIndex, BaseMatch } from "./store.js";

export type DetectionMethod = "user" | "provenance" | "annotation" | "label" | "layer-chain";

export interface BaseImageDetection {
  /** Reference as it should be resolved: `debian:12-slim`, `ghcr.io/x/y:1`. */
  reference: string;
  digest?: string;
  method: DetectionMethod;
  confidence: "high" | "medium" | "low";
  /** How many of the image's layers come from the base (when known). */
  layerCount?: number;
  /** Other tags/images that fit equally (same digest, or equally long chains). */
  alternatives: string[];
  /** One line for the user on how it was found. */
  explanation: string;
}

const BASE_NAME = "org.opencontainers.image.base.name";
const BASE_DIGEST = "org.opencontainers.image.base.digest";

function shortTag(name: string | undefined, tag: string): string {
  return tag.includes(":") || tag.includes("@") ? tag : `${name ?? ""}:${tag}`;
}

function preferredTag(m: BaseMatch): { ref: string; others: string[] } {
  const tags = [...m.image.tags];
  // Prefer the most specific human tag: versioned, longest, not "latest".
  tags.sort((a, b) => {
    const score = (t: string) => (/:latest$/.test(t) ? 0 : /\d/.test(t.split(":").pop() ?? "") ? 2 : 1);
    return score(b) - score(a) || b.length - a.length || collate(a, b);
  });
  const ref = tags[0] ?? `${m.image.name ?? "unknown"}@${m.image.digest}`;
  return { ref, others: tags.slice(1) };
}

function layersOf(
  index: BaseImageIndex | undefined,
  sbom: Sbom,
  digest: string | undefined,
): number | undefined {
  if (!index || !digest) return undefined;
  const known = index.get(digest);
  if (!known) return undefined;
  const mine = sbom.image.layers.map((l) => l.diffId);
  const theirs = known.diffIds;
  return theirs.length <= mine.length && theirs.every((d, i) => mine[i] === d) ? theirs.length : undefined;
}

export function detectBaseImage(
  sbom: Sbom,
  index?: BaseImageIndex,
  override?: string,
): BaseImageDetection | undefined {
  const chain = (): BaseMatch[] =>
    index && sbom.image.layers.length > 1
      ? index.findBases(
          sbom.image.layers.map((l) => l.diffId),
          sbom.image.digest,
        )
      : [];

  if (override) {
    const m = chain().find((c) => c.image.tags.some((t) => t === override || t.endsWith(`/${override}`)));
    return {
      reference: override,
      method: "user",
      confidence: "high",
      ...(m ? { digest: m.image.digest, layerCount: m.layerCount } : {}),
      alternatives: [],
      explanation: "base image given with --tag",
    };
  }

  const prov = sbom.provenance?.baseImages ?? [];
  if (prov.length > 0) {
    // Multi-stage builds list every stage's base; the one whose layers prefix ours is the runtime base.
    const withLayers = prov.map((b) => ({ b, n: layersOf(index, sbom, b.digest) }));
    const best = withLayers.find((x) => x.n !== undefined) ?? withLayers[withLayers.length - 1]!;
    return {
      reference: best.b.uri,
      ...(best.b.digest ? { digest: best.b.digest } : {}),
      method: "provenance",
      confidence: prov.length === 1 || best.n !== undefined ? "high" : "medium",
      ...(best.n !== undefined ? { layerCount: best.n } : {}),
      alternatives: prov.filter((p) => p !== best.b).map((p) => p.uri),
      explanation: "from the image's provenance attestation",
    };
  }

  for (const [where, record, method, confidence] of [
    ["annotation", sbom.image.annotations, "annotation", "high"],
    ["label", sbom.image.labels, "label", "medium"],
  ] as const) {
    const name = record?.[BASE_NAME];
    if (name) {
      const digest = record?.[BASE_DIGEST];
      const validDigest = digest && /^sha256:[a-f0-9]{64}$/.test(digest) ? digest : undefined;
      const n = layersOf(index, sbom, validDigest);
      return {
        reference: name.slice(0, 512),
        ...(validDigest ? { digest: validDigest } : {}),
        method,
        confidence,
        ...(n !== undefined ? { layerCount: n } : {}),
        alternatives: [],
        explanation: `from the ${BASE_NAME} ${where}`,
      };
    }
  }

  const matches = chain();
  if (matches.length > 0) {
    const top = matches[0]!;
    const { ref, others } = preferredTag(top);
    const sameLength = matches.filter((m) => m.layerCount === top.layerCount && m !== top);
    return {
      reference: ref,
      digest: top.image.digest,
      method: "layer-chain",
      confidence: sameLength.length > 0 ? "low" : "medium",
      layerCount: top.layerCount,
      alternatives: [...others, ...sameLength.flatMap((m) => m.image.tags)].map((t) =>
        shortTag(top.image.name, t),
      ),
      explanation: `auto-detected: the image's first ${top.layerCount} layer(s) are those of ${ref}`,
    };
  }
  return undefined;
}
