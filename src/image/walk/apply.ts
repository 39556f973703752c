/** Applying layer summaries in order to the filesystem tree and the capture store. */
import type { Logger } from "../../core/logger.js";
import type { FileIndexEntry } from "../types.js";
import type { CaptureStore } from "./captures.js";
import { contentLength } from "./content.js";
import type { FsTree } from "./fs-tree.js";
import type { LayerSummary } from "./summary.js";

export function applyLayer(
  tree: FsTree,
  captures: CaptureStore,
  layerIndex: number,
  s: LayerSummary,
  where: string,
  logger: Logger,
  wantedLinks: Set<string>,
  wants: (path: string, size: number) => boolean,
): void {
  // Whiteouts and opaque markers hide lower layers only: apply them before the layer's own entries.
  for (const e of s.entries) {
    if (e.type === "whiteout") {
      for (const p of tree.remove(e.path)) captures.remove(p, layerIndex);
    } else if (e.type === "opaque") {
      for (const p of tree.clearChildren(e.path)) captures.remove(p, layerIndex);
    }
  }
  for (const e of s.entries) {
    if (e.type === "whiteout" || e.type === "opaque") continue;
    const entry: FileIndexEntry = { path: e.path, type: e.type, size: e.size, layerIndex };
    if (e.mode !== undefined) entry.mode = e.mode;
    if (e.linkTarget !== undefined) entry.linkTarget = e.linkTarget;
    const { node, replaced } = tree.set(entry);
    for (const p of replaced) {
      if (p !== e.path) {
        const n = tree.node(p);
        if (n) n.captured = false;
      }
      captures.remove(p, layerIndex);
    }
    node.captured = false;
    let content = s.captured.get(e.path);
    if (!content && e.type === "hardlink") {
      const target = s.lowerLinks.get(e.path);
      if (target) {
        const tnode = tree.node(target);
        content = tnode?.captured ? captures.current(target) : undefined;
        if (content) entry.size = contentLength(content);
        else logger.debug(`${where}: hard link ${e.path} → ${target}: target not captured`);
      }
    }
    if (content) {
      captures.add(e.path, layerIndex, content, e.mode);
      node.captured = true;
    }
    if (e.type === "symlink" && wants(e.path, 0)) wantedLinks.add(e.path);
  }
}
