/**
 * The names of the CycloneDX properties Vigil writes (and reads back when importing), and the
 * content-derived UUID used for serial numbers and SPDX namespaces. Kept apart from cyclonedx.ts so that
 * readers do not load the CycloneDX library.
 */
import { createHash } from "node:crypto";

/** Property names Vigil writes (and reads back in import.ts). */
export const CDX_PROPS = {
  foundBy: "vigil:package:foundBy",
  type: "vigil:package:type",
  arch: "vigil:package:arch",
  epoch: "vigil:package:epoch",
  sourceName: "vigil:package:sourceName",
  sourceVersion: "vigil:package:sourceVersion",
  ownedBy: "vigil:package:ownedBy",
  layerIndex: "vigil:layer:index",
  layerDiffId: "vigil:layer:diffId",
  location: "vigil:location:path",
  metadataPrefix: "vigil:metadata:",
} as const;

/** A UUID (version-4 layout) derived from text, so that the same SBOM gives the same serial number. */
export function uuidFrom(text: string): string {
  const h = createHash("sha256").update(text).digest("hex");
  const v = ((Number.parseInt(h[16]!, 16) & 0x3) | 0x8).toString(16);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${v}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}
