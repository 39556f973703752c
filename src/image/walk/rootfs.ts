/** Walking an unpacked root filesystem (`fs://`): lstat only, links are recorded and never followed. */
import { type Dirent, lstatSync, readdirSync, readlinkSync } from "node:fs";
import { join } from "node:path";
import { VigilError } from "../../core/errors.js";
import type { FileIndexEntry, WalkOptions, WalkResult } from "../types.js";
import { CaptureStore } from "./captures.js";
import { closeContentFiles, fileRef } from "./content.js";
import { FsTree } from "./fs-tree.js";

export async function walkRootfs(root: string, opts: WalkOptions, started: number): Promise<WalkResult> {
  const tree = new FsTree();
  const captures = new CaptureStore();
  const wantedLinks: string[] = [];
  let entries = 0;
  let bytes = 0;
  const stack: string[] = ["/"];
  while (stack.length > 0) {
    const dir = stack.pop()!;
    let list: Dirent[];
    try {
      list = readdirSync(join(root, dir), { withFileTypes: true });
    } catch (e) {
      opts.logger.warn(
        `${root}${dir}: cannot read directory (${(e as NodeJS.ErrnoException).code ?? e}); skipped`,
      );
      continue;
    }
    for (const d of list) {
      const path = dir === "/" ? `/${d.name}` : `${dir}/${d.name}`;
      const abs = join(root, path);
      if (++entries > opts.limits.maxEntries) {
        throw new VigilError("LIMIT", `${root}: more than ${opts.limits.maxEntries} entries (--max-entries)`);
      }
      let st: ReturnType<typeof lstatSync>;
      try {
        st = lstatSync(abs);
      } catch {
        continue;
      }
      const mode = st.mode & 0o7777;
      let entry: FileIndexEntry;
      if (st.isDirectory()) {
        entry = { path, type: "dir", size: 0, mode, layerIndex: -1 };
        stack.push(path);
      } else if (st.isSymbolicLink()) {
        let target = "";
        try {
          target = readlinkSync(abs);
        } catch {}
        entry = { path, type: "symlink", size: 0, mode, layerIndex: -1, linkTarget: target };
        if (opts.wants(path, 0)) wantedLinks.push(path);
      } else if (st.isFile()) {
        entry = { path, type: "file", size: st.size, mode, layerIndex: -1 };
        bytes += st.size;
      } else {
        entry = { path, type: "other", size: 0, mode, layerIndex: -1 };
      }
      const { node } = tree.set(entry);
      if (entry.type === "file" && opts.wants(path, st.size, mode)) {
        if (st.size > opts.limits.maxFileSize) {
          opts.logger.warn(
            `${path} is ${st.size} bytes, above --max-file-size (${opts.limits.maxFileSize}); not read`,
          );
        } else {
          captures.add(path, -1, { kind: "file", path: abs, offset: 0, length: st.size }, mode);
          node.captured = true;
        }
      }
    }
  }
  const finalFiles = () => {
    const files = captures.filesAfter(-1);
    // A wanted symlink gives its target's content (resolved inside the root) under the link's path.
    for (const p of wantedLinks) {
      const target = tree.resolveNode(p);
      if (target?.entry.type !== "file" || target.entry.size > opts.limits.maxFileSize) continue;
      const abs = join(root, target.entry.path);
      files.push(
        fileRef(p, -1, { kind: "file", path: abs, offset: 0, length: target.entry.size }, target.entry.mode),
      );
    }
    return files;
  };
  return {
    fileIndex: tree,
    layerCount: 0,
    finalFiles,
    filesAfterLayer: () => finalFiles(),
    changedByLayer: () => [],
    stats: { bytesRead: bytes, entries, layersFromCache: 0, millis: Date.now() - started },
    verified: Promise.resolve(),
    idle: () => {},
    async dispose() {
      closeContentFiles();
    },
  };
}
