/** `Cargo.lock` (format v1–v4): every `[[package]]` entry. */
import { lazyModule } from "../../core/lazy.js";

const toml = lazyModule<typeof import("smol-toml")>("smol-toml");

export interface CargoLockPackage {
  name: string;
  version: string;
  /** "registry+https://…", "git+https://…#rev", "sparse+…"; absent for path (workspace) crates. */
  source?: string;
  checksum?: string;
}

export function parseCargoLock(text: string): CargoLockPackage[] {
  let doc: Record<string, unknown>;
  try {
    doc = toml().parse(text) as Record<string, unknown>;
  } catch (err) {
    throw new Error(
      `malformed Cargo.lock: ${err instanceof Error ? err.message.split("\n")[0] : String(err)}`,
    );
  }
  const pkgs = doc.package;
  if (pkgs === undefined) return [];
  if (!Array.isArray(pkgs)) throw new Error("malformed Cargo.lock: package is not an array of tables");
  // v1 keeps checksums in [metadata]: "checksum NAME VERSION (SOURCE)" = "hex".
  const meta = (doc.metadata ?? {}) as Record<string, unknown>;
  const out: CargoLockPackage[] = [];
  for (const raw of pkgs as unknown[]) {
    const p = raw as Record<string, unknown>;
    if (typeof p.name !== "string" || typeof p.version !== "string") continue;
    const pkg: CargoLockPackage = { name: p.name, version: p.version };
    if (typeof p.source === "string") pkg.source = p.source;
    if (typeof p.checksum === "string") pkg.checksum = p.checksum;
    else if (pkg.source) {
      const v1 = meta[`checksum ${p.name} ${p.version} (${pkg.source})`];
      if (typeof v1 === "string" && v1 !== "<none>") pkg.checksum = v1;
    }
    out.push(pkg);
  }
  return out;
}
