/**
 * The image filesystem as layers are applied: a tree of nodes (so whiteouts and opaque directories
 * delete whole subtrees cheaply), exposed as the FileIndex. Links are resolved inside the root only.
 */
import { VigilError } from "../../core/errors.js";
import type { FileIndex, FileIndexEntry } from "../types.js";

export type EntryType = FileIndexEntry["type"];

export interface Node {
  entry: FileIndexEntry;
  children?: Map<string, Node>;
  /** The node has a captured version (see CaptureStore). */
  captured?: boolean;
}

/**
 * Normalise a tar member name to an absolute image path ("./usr/bin/" → "/usr/bin"). Returns "/" for
 * the root. A `..` component is a traversal attempt: UNSAFE_PATH naming the layer and entry.
 */
const NEEDS_SLOW_PATH = /(^|\/)\.{1,2}(\/|$)|\/\//;

export function normalizeEntryName(name: string, where: string): string {
  // Fast path for the usual "usr/bin/x", "./usr/bin/x", "usr/share/" forms.
  let n = name.startsWith("./") ? name.slice(2) : name;
  while (n.startsWith("/")) n = n.slice(1);
  if (!NEEDS_SLOW_PATH.test(n)) return `/${n.endsWith("/") ? n.slice(0, -1) : n}`;
  const parts: string[] = [];
  for (const p of name.split("/")) {
    if (p === "" || p === ".") continue;
    if (p === "..") {
      throw new VigilError(
        "UNSAFE_PATH",
        `${where}: tar entry ${JSON.stringify(name)} escapes the image root`,
      );
    }
    parts.push(p);
  }
  return `/${parts.join("/")}`;
}

export function splitPath(path: string): string[] {
  return path.split("/").filter((p) => p !== "" && p !== ".");
}

const MAX_LINK_HOPS = 40;

const NONE: readonly string[] = Object.freeze([]);

export class FsTree implements FileIndex {
  readonly root: Node = { entry: { path: "/", type: "dir", size: 0, layerIndex: -1 }, children: new Map() };
  private count = 0;
  /**
   * The directory the last `set` put its entry in, and the path text before that entry's last slash:
   * tar entries come grouped by directory, so most `set` calls find their parent here without splitting
   * the path. Forgotten by every change that could detach or replace a directory.
   */
  private lastDir: Node | undefined;
  private lastDirText = "";

  get size(): number {
    return this.count;
  }

  /** The node at `path` without following symlinks. */
  node(path: string): Node | undefined {
    let n: Node | undefined = this.root;
    for (const p of splitPath(path)) {
      n = n.children?.get(p);
      if (!n) return undefined;
    }
    return n;
  }

  get(path: string): FileIndexEntry | undefined {
    const n = this.node(path);
    return n && n !== this.root ? n.entry : undefined;
  }

  has(path: string): boolean {
    return this.get(path) !== undefined;
  }

  /** Resolve symlinks (in every component) inside the root; escapes and loops give undefined. */
  resolveNode(path: string): Node | undefined {
    let hops = 0;
    const stack: Node[] = [this.root];
    const pending = splitPath(path).reverse();
    while (pending.length > 0) {
      const comp = pending.pop()!;
      if (comp === "..") {
        if (stack.length === 1) return undefined; // escape above the root
        stack.pop();
        continue;
      }
      const cur = stack[stack.length - 1]!;
      const next = cur.children?.get(comp);
      if (!next) return undefined;
      if (next.entry.type === "symlink") {
        if (++hops > MAX_LINK_HOPS) return undefined; // loop
        const target = next.entry.linkTarget ?? "";
        if (target.startsWith("/")) stack.length = 1;
        const parts = target.split("/").filter((p) => p !== "" && p !== ".");
        for (let i = parts.length - 1; i >= 0; i--) pending.push(parts[i]!);
        continue;
      }
      if (next.entry.type !== "dir" && pending.length > 0) return undefined;
      stack.push(next);
    }
    const last = stack[stack.length - 1]!;
    return last === this.root ? undefined : last;
  }

  resolve(path: string): FileIndexEntry | undefined {
    return this.resolveNode(path)?.entry;
  }

  *entries(): Iterable<FileIndexEntry> {
    const stack: Node[] = [this.root];
    while (stack.length > 0) {
      const n = stack.pop()!;
      if (n !== this.root) yield n.entry;
      if (n.children) for (const c of n.children.values()) stack.push(c);
    }
  }

  /** Captured paths in a subtree (for tombstones when it is deleted or replaced). */
  static capturedPaths(n: Node, out: string[]): void {
    const stack = [n];
    while (stack.length > 0) {
      const x = stack.pop()!;
      if (x.captured) out.push(x.entry.path);
      if (x.children) for (const c of x.children.values()) stack.push(c);
    }
  }

  private countNodes(n: Node): number {
    let k = 0;
    const stack = [n];
    while (stack.length > 0) {
      const x = stack.pop()!;
      k++;
      if (x.children) for (const c of x.children.values()) stack.push(c);
    }
    return k;
  }

  /** Remove the node at `path` (and its subtree); returns the captured paths removed. */
  remove(path: string): string[] {
    this.lastDir = undefined;
    const parts = splitPath(path);
    if (parts.length === 0) return this.clearChildren("/");
    const parent = this.node(`/${parts.slice(0, -1).join("/")}`);
    const name = parts[parts.length - 1]!;
    const n = parent?.children?.get(name);
    if (!parent || !n) return [];
    parent.children!.delete(name);
    this.count -= this.countNodes(n);
    const out: string[] = [];
    FsTree.capturedPaths(n, out);
    return out;
  }

  /** Opaque directory: drop everything below `path`; returns the captured paths removed. */
  clearChildren(path: string): string[] {
    this.lastDir = undefined;
    const n = this.node(path);
    if (!n?.children) return [];
    const out: string[] = [];
    for (const c of n.children.values()) {
      this.count -= this.countNodes(c);
      FsTree.capturedPaths(c, out);
    }
    n.children.clear();
    return out;
  }

  /**
   * Set the entry at `entry.path`, creating missing parents as directories of the same layer (a parent
   * that is not a directory is replaced, as an overlay upper directory would). Returns the node and
   * the captured paths that were replaced.
   */
  set(entry: FileIndexEntry): { node: Node; replaced: readonly string[] } {
    const path = entry.path;
    const slash = path.lastIndexOf("/");
    const name = path.slice(slash + 1);
    if (
      this.lastDir !== undefined &&
      slash === this.lastDirText.length &&
      name !== "" &&
      name !== "." &&
      path.startsWith(this.lastDirText)
    ) {
      return this.setChild(this.lastDir, name, entry);
    }
    const parts = splitPath(path);
    let replaced: string[] | undefined;
    let cur = this.root;
    for (let i = 0; i < parts.length - 1; i++) {
      const p = parts[i]!;
      let next = cur.children!.get(p);
      if (next?.entry.type !== "dir") {
        if (next) {
          FsTree.capturedPaths(next, (replaced ??= []));
          this.count -= this.countNodes(next);
        }
        next = {
          entry: {
            path: `/${parts.slice(0, i + 1).join("/")}`,
            type: "dir",
            size: 0,
            layerIndex: entry.layerIndex,
          },
          children: new Map(),
        };
        cur.children!.set(p, next);
        this.count++;
      }
      cur = next;
    }
    const leaf = parts[parts.length - 1];
    if (leaf === undefined) {
      // The root itself: only metadata.
      this.root.entry = { ...entry, path: "/" };
      return { node: this.root, replaced: replaced ?? NONE };
    }
    // Components after the last slash other than the leaf ("a/b/." has none): only a plain leaf name
    // lets a later entry with the same text before its last slash reuse this parent.
    if (leaf === name && slash >= 0) {
      this.lastDir = cur;
      this.lastDirText = path.slice(0, slash);
    } else this.lastDir = undefined;
    const r = this.setChild(cur, leaf, entry);
    if (replaced) {
      replaced.push(...r.replaced);
      return { node: r.node, replaced };
    }
    return r;
  }

  private setChild(
    parent: Node,
    name: string,
    entry: FileIndexEntry,
  ): { node: Node; replaced: readonly string[] } {
    const existing = parent.children!.get(name);
    if (existing && existing.entry.type === "dir" && entry.type === "dir") {
      existing.entry = entry;
      return { node: existing, replaced: NONE };
    }
    let replaced: readonly string[] = NONE;
    if (existing) {
      const out: string[] = [];
      FsTree.capturedPaths(existing, out);
      replaced = out;
      this.count -= this.countNodes(existing);
      // `existing` is a child of `parent`, which is (or is about to be) the remembered directory: that
      // one stays attached, so replacing `existing` never leaves it stale.
    }
    const node: Node = { entry };
    if (entry.type === "dir") node.children = new Map();
    parent.children!.set(name, node);
    this.count++;
    return { node, replaced };
  }
}
