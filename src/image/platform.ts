/** Platform strings (`os/arch[/variant]`) and choosing one manifest from a multi-platform index. */
import { VigilError } from "../core/errors.js";

export interface Platform {
  os: string;
  architecture: string;
  variant?: string;
}

export function parsePlatform(s: string): Platform {
  const parts = s.trim().split("/");
  if (parts.length < 2 || parts.length > 3 || parts.some((p) => !/^[a-z0-9_.-]+$/i.test(p))) {
    throw new VigilError("USAGE", `invalid platform ${JSON.stringify(s)}: expected os/arch[/variant]`);
  }
  return {
    os: parts[0]!.toLowerCase(),
    architecture: parts[1]!.toLowerCase(),
    variant: parts[2]?.toLowerCase(),
  };
}

export function formatPlatform(p: Platform): string {
  return p.variant ? `${p.os}/${p.architecture}/${p.variant}` : `${p.os}/${p.architecture}`;
}

/** Default variant per architecture, used when one side names a variant and the other does not. */
const DEFAULT_VARIANT: Record<string, string> = { arm64: "v8", arm: "v7" };

export function platformMatches(want: Platform, have: Platform): boolean {
  if (want.os !== have.os.toLowerCase() || want.architecture !== have.architecture.toLowerCase())
    return false;
  if (!want.variant) return true;
  const hv = have.variant?.toLowerCase() ?? DEFAULT_VARIANT[have.architecture];
  return want.variant === hv;
}

/**
 * Choose among candidates: the requested platform; else linux/amd64; else the only one.
 * A missing platform is a USAGE-free NOT_FOUND error listing what is available.
 */
export function choosePlatform<T extends { platform?: Platform }>(
  candidates: T[],
  requested: string | undefined,
  where: string,
): T {
  if (candidates.length === 0) throw new VigilError("IMAGE_FORMAT", `${where}: no image manifest found`);
  const available = () =>
    candidates.map((c) => (c.platform ? formatPlatform(c.platform) : "unknown")).join(", ") || "none";
  if (requested) {
    const want = parsePlatform(requested);
    const hit = candidates.filter((c) => c.platform && platformMatches(want, c.platform));
    if (hit.length === 0) {
      if (candidates.length === 1 && !candidates[0]!.platform) return candidates[0]!;
      throw new VigilError(
        "NOT_FOUND",
        `${where}: no image for platform ${requested} (available: ${available()})`,
      );
    }
    // Prefer an exact variant match (or no variant when none was asked for).
    return hit.find((c) => (c.platform!.variant ?? "") === (want.variant ?? "")) ?? hit[0]!;
  }
  if (candidates.length === 1) return candidates[0]!;
  const amd = candidates.filter(
    (c) => c.platform && platformMatches({ os: "linux", architecture: "amd64" }, c.platform),
  );
  if (amd.length > 0) return amd[0]!;
  throw new VigilError(
    "NOT_FOUND",
    `${where}: several platforms and no linux/amd64 image; choose one with --platform (available: ${available()})`,
  );
}
