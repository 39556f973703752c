import { describe, expect, it } from "vitest";
import { VigilError } from "../../core/errors.js";
import { FsTree, normalizeEntryName } from "./fs-tree.js";

describe("normalizeEntryName", () => {
  it("normalises the forms tar writers use", () => {
    expect(normalizeEntryName("usr/bin/x", "l")).toBe("/usr/bin/x");
    expect(normalizeEntryName("./usr/bin/", "l")).toBe("/usr/bin");
    expect(normalizeEntryName("/etc//passwd", "l")).toBe("/etc/passwd");
    expect(normalizeEntryName("./", "l")).toBe("/");
    expect(normalizeEntryName(".", "l")).toBe("/");
    expect(normalizeEntryName("a/./b", "l")).toBe("/a/b");
    expect(normalizeEntryName("a/..b/c..", "l")).toBe("/a/..b/c..");
  });
  it("rejects `..` components anywhere", () => {
    for (const bad of ["../etc/passwd", "a/../../b", "./..", "a/..", "/../x"]) {
      expect(() => normalizeEntryName(bad, "layer 3 (sha256:ab)")).toThrow(VigilError);
      expect(() => normalizeEntryName(bad, "layer 3 (sha256:ab)")).toThrow(
        /layer 3 \(sha256:ab\): tar entry/,
      );
    }
  });
});

describe("FsTree", () => {
  it("replaces a non-directory parent and tracks the entry count", () => {
    const t = new FsTree();
    t.set({ path: "/lib", type: "symlink", size: 0, layerIndex: 0, linkTarget: "usr/lib" });
    t.set({ path: "/usr/lib/x", type: "file", size: 1, layerIndex: 0 });
    expect(t.size).toBe(4);
    expect(t.resolve("/lib/x")?.path).toBe("/usr/lib/x");
    t.set({ path: "/lib/y", type: "file", size: 1, layerIndex: 1 });
    expect(t.get("/lib")?.type).toBe("dir");
    expect(t.size).toBe(5);
    expect(t.remove("/usr")).toEqual([]);
    expect(t.size).toBe(2);
    expect([...t.entries()].map((e) => e.path).sort()).toEqual(["/lib", "/lib/y"]);
  });
});

describe("FsTree parent reuse", () => {
  /** Reference: the same operations on a flat map of normalised paths. */
  function model() {
    const m = new Map<string, string>();
    const norm = (p: string) =>
      `/${p
        .split("/")
        .filter((x) => x !== "" && x !== ".")
        .join("/")}`;
    const drop = (p: string) => {
      for (const k of [...m.keys()]) if (k === p || k.startsWith(`${p}/`)) m.delete(k);
    };
    return {
      m,
      set(path: string, type: string) {
        const parts = norm(path).split("/").slice(1);
        for (let i = 1; i < parts.length; i++) {
          const dir = `/${parts.slice(0, i).join("/")}`;
          if (m.get(dir) !== "dir") {
            drop(dir);
            m.set(dir, "dir");
          }
        }
        const p = norm(path);
        if (!(m.get(p) === "dir" && type === "dir")) drop(p);
        m.set(p, type);
      },
      remove(path: string) {
        drop(norm(path));
      },
    };
  }

  it("gives the same tree as a flat model under mixed sets, removals and replacements", () => {
    const ops: [string, string, string][] = [
      ["set", "/usr/bin/a", "file"],
      ["set", "/usr/bin/b", "file"],
      ["set", "/usr/lib/c", "file"],
      ["set", "/usr/bin/d", "file"],
      ["remove", "/usr/bin", ""],
      ["set", "/usr/bin/e", "file"], // the cached /usr/bin was detached: a new one is made
      ["set", "/usr/bin", "file"], // a directory replaced by a file
      ["set", "/usr/bin/f", "file"], // and back to a directory
      ["set", "/opt/./x/y", "file"],
      ["set", "/opt/./x/z", "file"],
      ["set", "opt/x/w", "file"],
      ["set", "ab", "file"], // no slash: must not become a parent for "a/…"
      ["set", "a/c", "file"],
      ["set", "/opt/x/", "dir"],
      ["set", "/opt/x/v", "file"],
      ["remove", "/opt", ""],
      ["set", "/opt/x/u", "file"],
    ];
    const t = new FsTree();
    const ref = model();
    for (const [op, path, type] of ops) {
      if (op === "set") {
        t.set({ path, type: type as "file" | "dir", size: 0, layerIndex: 0 });
        ref.set(path, type);
      } else {
        t.remove(path);
        ref.remove(path);
      }
      const got = new Map([...t.entries()].map((e) => [e.path, e.type as string]));
      // Parents created implicitly are named by their normalised path; entries keep the path they were set with.
      const gotNorm = new Map(
        [...got].map(([p, ty]) => [
          `/${p
            .split("/")
            .filter((x) => x !== "" && x !== ".")
            .join("/")}`,
          ty,
        ]),
      );
      expect(gotNorm, `${op} ${path}`).toEqual(ref.m);
      expect(t.size, `${op} ${path}`).toBe(ref.m.size);
    }
    expect(t.get("/ab")?.type).toBe("file");
    expect(t.get("/a/c")?.type).toBe("file");
    expect(t.get("/a")?.type).toBe("dir");
  });
});
