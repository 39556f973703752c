/**
 * cargo-auditable dependency data: a `.dep-v0` section (ELF/PE; `__dep_v0` or `.dep-v0` in Mach-O)
 * holding zlib-compressed JSON `{"packages":[{name, version, source, kind?, dependencies?, root?}]}`.
 */
import { inflateSync } from "node:zlib";
import type { ByteSource } from "../binary/byte-source.js";
import { readExecutable, readSection } from "../binary/exe.js";

const MAX_COMPRESSED = 8 * 1024 ** 2;
const MAX_JSON = 32 * 1024 ** 2;
const SECTION_NAMES = new Set([".dep-v0", "__dep_v0", ".dep-v0\0"]);

export interface AuditablePackage {
  name: string;
  version: string;
  /** "crates.io", "local", "git", "registry", "other". */
  source: string;
  /** "runtime" (default) or "build" (build-time only: not in the program). */
  kind: "runtime" | "build";
  dependencies: number[];
  root: boolean;
}

/** Undefined when the file is not an executable or has no cargo-auditable section. */
export async function readAuditableDeps(src: ByteSource): Promise<AuditablePackage[] | undefined> {
  const exe = await readExecutable(src);
  if (!exe) return undefined;
  const section = exe.sections.find((s) => SECTION_NAMES.has(s.name));
  if (!section) return undefined;
  const compressed = await readSection(src, section, MAX_COMPRESSED);
  let json: Buffer;
  try {
    json = inflateSync(compressed, { maxOutputLength: MAX_JSON });
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code === "ERR_BUFFER_TOO_LARGE") {
      throw new Error(`malformed .dep-v0 section: inflates to more than ${MAX_JSON} bytes (zlib bomb?)`);
    }
    throw new Error(`malformed .dep-v0 section: ${err instanceof Error ? err.message : String(err)}`);
  }
  return parseAuditableJson(json.toString("utf8"));
}

export function parseAuditableJson(text: string): AuditablePackage[] {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    throw new Error("malformed .dep-v0 section: not JSON");
  }
  const list = (doc as { packages?: unknown } | null)?.packages;
  if (!Array.isArray(list)) throw new Error("malformed .dep-v0 section: no packages array");
  const out: AuditablePackage[] = [];
  for (const raw of list as unknown[]) {
    const p = raw as Record<string, unknown> | null;
    if (
      !p ||
      typeof p.name !== "string" ||
      typeof p.version !== "string" ||
      p.name === "" ||
      p.version === ""
    ) {
      throw new Error("malformed .dep-v0 section: a package without name or version");
    }
    out.push({
      name: p.name,
      version: p.version,
      source: typeof p.source === "string" ? p.source : "crates.io",
      kind: p.kind === "build" ? "build" : "runtime",
      dependencies: Array.isArray(p.dependencies)
        ? p.dependencies.filter((d): d is number => Number.isInteger(d))
        : [],
      root: p.root === true,
    });
  }
  return out;
}
