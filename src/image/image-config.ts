/** Reading untrusted manifest / index / config JSON into typed, validated shapes. */
import { createHash } from "node:crypto";
import { VigilError } from "../core/errors.js";
import type { HistoryEntry, ImageInfo, LayerInfo } from "../sbom/model.js";
import type { Platform } from "./platform.js";
import type { LayerDescriptor } from "./types.js";

export interface Descriptor {
  mediaType: string;
  digest: string;
  size?: number;
  platform?: Platform;
  annotations?: Record<string, string>;
}

export interface ImageConfig {
  raw: Record<string, unknown>;
  diffIds: string[];
  platform?: Platform;
  history: HistoryEntry[];
}

const DIGEST_RE = /^sha256:[a-f0-9]{64}$|^sha512:[a-f0-9]{128}$/;

export function sha256(data: Buffer | string): string {
  return `sha256:${createHash("sha256").update(data).digest("hex")}`;
}

/** Check bytes against a digest (sha256 or sha512); throws DIGEST_MISMATCH naming `what`. */
export function verifyDigest(data: Buffer, digest: string, what: string): void {
  const [alg] = digest.split(":");
  const actual = `${alg}:${createHash(alg === "sha512" ? "sha512" : "sha256")
    .update(data)
    .digest("hex")}`;
  if (actual !== digest) {
    throw new VigilError("DIGEST_MISMATCH", `${what}: digest mismatch (expected ${digest}, got ${actual})`);
  }
}

export function parseJson(data: Buffer, what: string): Record<string, unknown> {
  let v: unknown;
  try {
    v = JSON.parse(data.toString("utf8"));
  } catch (e) {
    throw new VigilError("IMAGE_FORMAT", `${what}: invalid JSON (${(e as Error).message})`);
  }
  if (typeof v !== "object" || v === null) throw new VigilError("IMAGE_FORMAT", `${what}: not a JSON object`);
  return v as Record<string, unknown>;
}

function str(v: unknown): string | undefined {
  return typeof v === "string" ? v : undefined;
}

function strArray(v: unknown): string[] | undefined {
  return Array.isArray(v) && v.every((x) => typeof x === "string") ? (v as string[]) : undefined;
}

function strRecord(v: unknown): Record<string, string> | undefined {
  if (typeof v !== "object" || v === null || Array.isArray(v)) return undefined;
  const out: Record<string, string> = {};
  for (const [k, x] of Object.entries(v)) if (typeof x === "string") out[k] = x;
  return out;
}

export function checkDigest(d: unknown, what: string): string {
  if (typeof d !== "string" || !DIGEST_RE.test(d)) {
    throw new VigilError("IMAGE_FORMAT", `${what}: invalid digest ${JSON.stringify(d)}`);
  }
  return d;
}

export function parsePlatformField(v: unknown): Platform | undefined {
  if (typeof v !== "object" || v === null) return undefined;
  const o = v as Record<string, unknown>;
  const os = str(o.os);
  const architecture = str(o.architecture);
  if (!os || !architecture) return undefined;
  const variant = str(o.variant);
  return variant ? { os, architecture, variant } : { os, architecture };
}

export function parseDescriptor(v: unknown, what: string): Descriptor {
  if (typeof v !== "object" || v === null)
    throw new VigilError("IMAGE_FORMAT", `${what}: invalid descriptor`);
  const o = v as Record<string, unknown>;
  const size = typeof o.size === "number" && Number.isSafeInteger(o.size) && o.size >= 0 ? o.size : undefined;
  return {
    mediaType: str(o.mediaType) ?? "",
    digest: checkDigest(o.digest, what),
    size,
    platform: parsePlatformField(o.platform),
    annotations: strRecord(o.annotations),
  };
}

export function parseConfig(raw: Record<string, unknown>, what: string): ImageConfig {
  const rootfs = raw.rootfs as Record<string, unknown> | undefined;
  const ids = rootfs && Array.isArray(rootfs.diff_ids) ? rootfs.diff_ids : undefined;
  if (!ids) throw new VigilError("IMAGE_FORMAT", `${what}: config has no rootfs.diff_ids`);
  const diffIds = ids.map((d, i) => checkDigest(d, `${what}: rootfs.diff_ids[${i}]`));
  const history: HistoryEntry[] = [];
  if (Array.isArray(raw.history)) {
    for (const h of raw.history) {
      if (typeof h !== "object" || h === null) continue;
      const o = h as Record<string, unknown>;
      const e: HistoryEntry = {};
      if (str(o.created)) e.created = str(o.created);
      if (str(o.created_by)) e.createdBy = str(o.created_by);
      if (str(o.comment)) e.comment = str(o.comment);
      if (o.empty_layer === true) e.emptyLayer = true;
      history.push(e);
    }
  }
  return { raw, diffIds, platform: parsePlatformField(raw), history };
}

const COMPRESSED_RE = /(\+gzip|\+zstd|\.gzip|\.zstd)$/;

/** True when the media type says the layer is compressed (the walk still sniffs the bytes). */
export function isCompressedMediaType(mediaType: string): boolean {
  return COMPRESSED_RE.test(mediaType);
}

/** ImageInfo from a config and the layer descriptors. */
export function buildImageInfo(
  reference: string,
  config: ImageConfig,
  layers: LayerDescriptor[],
  extra: Partial<ImageInfo>,
): ImageInfo {
  const c = (config.raw.config ?? {}) as Record<string, unknown>;
  // Map non-empty history entries to layers, in order.
  const nonEmpty = config.history.filter((h) => !h.emptyLayer);
  const useHistory = nonEmpty.length === layers.length;
  const layerInfos: LayerInfo[] = layers.map((l, i) => {
    const info: LayerInfo = { index: i, diffId: l.diffId, digest: l.digest, mediaType: l.mediaType };
    if (l.size !== undefined) info.size = l.size;
    if (useHistory) {
      if (nonEmpty[i]!.createdBy) info.createdBy = nonEmpty[i]!.createdBy;
      if (nonEmpty[i]!.created) info.created = nonEmpty[i]!.created;
    }
    return info;
  });
  const info: ImageInfo = {
    reference,
    ...extra,
    layers: layerInfos,
  };
  if (config.platform) info.platform = config.platform;
  const created = str(config.raw.created);
  if (created) info.created = created;
  const labels = strRecord(c.Labels);
  if (labels && Object.keys(labels).length > 0) info.labels = labels;
  const env = strArray(c.Env);
  if (env) info.env = env;
  const entrypoint = strArray(c.Entrypoint);
  if (entrypoint) info.entrypoint = entrypoint;
  const cmd = strArray(c.Cmd);
  if (cmd) info.cmd = cmd;
  if (str(c.WorkingDir)) info.workingDir = str(c.WorkingDir);
  if (str(c.User)) info.user = str(c.User);
  if (config.history.length > 0) info.history = config.history;
  if (layers.every((l) => l.size !== undefined)) info.size = layers.reduce((s, l) => s + (l.size ?? 0), 0);
  return info;
}
