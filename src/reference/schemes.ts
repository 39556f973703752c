import { existsSync } from "node:fs";
import { VigilError } from "../core/errors.js";
import { type ImageRef, parseImageRef } from "./image-ref.js";

/**
 * Docker Scout's artifact schemes. Image schemes resolve through the daemon and/or a registry; local
 * schemes name a path. A bare argument is a local path when it exists, otherwise an image reference
 * (`image://` semantics: daemon first, then registry).
 */
export type ImageScheme = "image" | "local" | "registry";
export type LocalScheme = "oci-dir" | "archive" | "fs" | "sbom";

export type ParsedReference =
  | { kind: ImageScheme; image: ImageRef; original: string; explicitScheme: boolean }
  | { kind: LocalScheme; path: string; original: string; explicitScheme: boolean }
  | { kind: "bare-path"; path: string; original: string; explicitScheme: false };

const IMAGE_SCHEMES: readonly ImageScheme[] = ["image", "local", "registry"];
const LOCAL_SCHEMES: readonly LocalScheme[] = ["oci-dir", "archive", "fs", "sbom"];

export function parseReference(
  input: string,
  opts: { exists?: (path: string) => boolean } = {},
): ParsedReference {
  const exists = opts.exists ?? existsSync;
  const m = /^([a-z][a-z-]*):\/\/(.*)$/s.exec(input);
  if (m) {
    const scheme = m[1]!;
    const rest = m[2]!;
    if ((IMAGE_SCHEMES as readonly string[]).includes(scheme)) {
      return {
        kind: scheme as ImageScheme,
        image: parseImageRef(rest),
        original: input,
        explicitScheme: true,
      };
    }
    if ((LOCAL_SCHEMES as readonly string[]).includes(scheme)) {
      if (!rest) throw new VigilError("REFERENCE", `"${input}": the ${scheme}:// scheme needs a path`);
      return { kind: scheme as LocalScheme, path: rest, original: input, explicitScheme: true };
    }
    throw new VigilError(
      "REFERENCE",
      `unsupported scheme "${scheme}://" in "${input}" (supported: ${[...IMAGE_SCHEMES, ...LOCAL_SCHEMES]
        .map((s) => `${s}://`)
        .join(", ")})`,
    );
  }
  if (input === "-") return { kind: "sbom", path: "-", original: input, explicitScheme: false };
  if (input.startsWith("/") || input.startsWith("./") || input.startsWith("../") || exists(input)) {
    if (!exists(input)) throw new VigilError("NOT_FOUND", `no such file or directory: ${input}`);
    return { kind: "bare-path", path: input, original: input, explicitScheme: false };
  }
  return { kind: "image", image: parseImageRef(input), original: input, explicitScheme: false };
}
