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
