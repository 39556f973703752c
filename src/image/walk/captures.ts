/** Every captured version of every wanted path, per layer (undefined content = deleted or replaced). */
import type { FileRef } from "../../catalog/types.js";
import { type Content, fileRef } from "./content.js";

interface Version {
  layerIndex: number;
  content?: Content;
  mode?: number;
}

export class CaptureStore {
  private readonly versions = new Map<string, Version[]>();
  private readonly changed = new Map<number, Set<string>>();

  private mark(layerIndex: number, path: string): void {
    let s = this.changed.get(layerIndex);
    if (!s) this.changed.set(layerIndex, (s = new Set()));
    s.add(path);
  }

  private push(path: string, v: Version): void {
    let list = this.versions.get(path);
    if (!list) this.versions.set(path, (list = []));
    const last = list[list.length - 1];
    if (last && last.layerIndex === v.layerIndex) list[list.length - 1] = v;
    else list.push(v);
    this.mark(v.layerIndex, path);
  }

  add(path: string, layerIndex: number, content: Content, mode?: number): void {
    this.push(path, { layerIndex, content, mode });
  }

  /** The path no longer holds a captured file from `layerIndex` on. */
  remove(path: string, layerIndex: number): void {
    const list = this.versions.get(path);
    if (!list) return;
    const last = list[list.length - 1]!;
    if (!last.content && last.layerIndex <= layerIndex) return;
    this.push(path, { layerIndex, content: undefined });
  }

  /** The latest live content of `path` (for hard links to lower layers). */
  current(path: string): Content | undefined {
    const list = this.versions.get(path);
    return list?.[list.length - 1]?.content;
  }

  filesAfter(layerIndex: number): FileRef[] {
    const out: FileRef[] = [];
    for (const [path, list] of this.versions) {
      let v: Version | undefined;
      for (let i = list.length - 1; i >= 0; i--) {
        if (list[i]!.layerIndex <= layerIndex) {
          v = list[i];
          break;
        }
      }
      if (v?.content) out.push(fileRef(path, v.layerIndex, v.content, v.mode));
    }
    return out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  }

  changedBy(layerIndex: number): string[] {
    return [...(this.changed.get(layerIndex) ?? [])].sort();
  }
}
