/** Test support for the OS catalogers: corpus paths, directory trees as FileRefs, txtar archives. */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { FileRef } from "../types.js";
import { memoryFileRef } from "./file-ref.js";

/** Absolute path of a file under ../shared/corpus/pkgdb (read in place, never copied). */
export function pkgdbPath(rel: string): string {
  return fileURLToPath(new URL(`../../../../shared/corpus/pkgdb/${rel}`, import.meta.url));
}

/** Every regular file under `root` as a FileRef whose path is its path relative to root, made absolute. */
export function treeFileRefs(root: string, layerIndex = 0): FileRef[] {
  const out: FileRef[] = [];
  const walk = (dir: string, rel: string): void => {
    for (const name of readdirSync(dir)) {
      const full = join(dir, name);
      const st = statSync(full);
      if (st.isDirectory()) walk(full, `${rel}/${name}`);
      else if (st.isFile()) out.push(memoryFileRef(`${rel}/${name}`, readFileSync(full), layerIndex));
    }
  };
  walk(root, "");
  return out;
}

/** Parse a txtar archive: an optional comment, then `-- name --` sections. */
export function parseTxtar(text: string): Map<string, string> {
  const files = new Map<string, string>();
  let name: string | undefined;
  let body: string[] = [];
  for (const line of text.split("\n")) {
    const m = /^-- (.+) --$/.exec(line);
    if (m) {
      if (name !== undefined) files.set(name, body.join("\n"));
      name = m[1]!.trim();
      body = [];
    } else if (name !== undefined) body.push(line);
  }
  if (name !== undefined) files.set(name, body.join("\n"));
  return files;
}
