/** Reading VEX documents from `--vex-location FILE|DIR` (the I/O edge of vex.ts). */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { collate } from "../core/collate.js";
import { isVigilError, VigilError } from "../core/errors.js";
import { parseVexDocument, type VexDocument } from "./vex.js";

const MAX_VEX_FILE = 16 * 1024 * 1024;
const MAX_FILES = 10_000;

function collect(dir: string, depth: number, out: string[]): void {
  if (depth > 4 || out.length >= MAX_FILES) return;
  for (const e of readdirSync(dir, { withFileTypes: true }).sort((a, b) => collate(a.name, b.name))) {
    const p = join(dir, e.name);
    if (e.isDirectory()) {
      if (e.name === "node_modules" || e.name.startsWith(".git")) continue;
      collect(p, depth + 1, out);
    } else if (e.isFile() && /\.json$/i.test(e.name)) out.push(p);
  }
}

/**
 * Load every location: a file must be an OpenVEX document (else VigilError VEX); in a directory every
 * `*.json` file is tried and the ones that are not OpenVEX are named in `warnings`.
 */
export function loadVexLocations(locations: readonly string[]): {
  documents: VexDocument[];
  warnings: string[];
} {
  const documents: VexDocument[] = [];
  const warnings: string[] = [];
  for (const loc of locations) {
    let st: ReturnType<typeof statSync>;
    try {
      st = statSync(loc);
    } catch {
      throw new VigilError("NOT_FOUND", `--vex-location: ${loc} does not exist`);
    }
    const explicit = !st.isDirectory();
    const files: string[] = [];
    if (explicit) files.push(loc);
    else collect(loc, 0, files);
    for (const f of files) {
      try {
        const size = statSync(f).size;
        if (size > MAX_VEX_FILE) throw new VigilError("VEX", `${f}: larger than ${MAX_VEX_FILE} bytes`);
        documents.push(parseVexDocument(readFileSync(f, "utf8"), f));
      } catch (err) {
        if (explicit || !isVigilError(err)) throw err;
        warnings.push(`${f}: skipped (${err.message.replace(`${f}: `, "")})`);
      }
    }
    if (!explicit && files.length === 0) warnings.push(`--vex-location ${loc}: no *.json files`);
  }
  return { documents, warnings };
}
