import { describe, expect, it } from "vitest";
import type { Package } from "../sbom/model.js";
import { attributeLayers, attributionKey } from "./attribution.js";

const deb = (name: string, version: string, arch = "amd64"): Package => ({
  id: `deb:${name}@${version}:${arch}`,
  type: "deb",
  name,
  version,
  arch,
  purl: "",
  locations: [],
  foundBy: "dpkg",
});

describe("attributeLayers", () => {
  it("keeps unchanged packages in their first layer, moves upgrades and re-adds", () => {
    const states = [
      { layerIndex: 0, packages: [deb("a", "1"), deb("b", "1"), deb("c", "1")] },
      { layerIndex: 2, packages: [deb("a", "1"), deb("b", "2"), deb("d", "1")] }, // b upgraded, c removed, d new
      { layerIndex: 3, packages: [deb("a", "1"), deb("b", "2"), deb("c", "1"), deb("d", "1")] }, // c re-added
    ];
    const m = attributeLayers(states);
    expect(m.get(attributionKey(deb("a", "1")))).toBe(0);
    expect(m.get(attributionKey(deb("b", "2")))).toBe(2);
    expect(m.get(attributionKey(deb("c", "1")))).toBe(3);
    expect(m.get(attributionKey(deb("d", "1")))).toBe(2);
    expect(m.size).toBe(4);
  });

  it("treats arch as identity and a downgrade as a change", () => {
    const m = attributeLayers([
      { layerIndex: 0, packages: [deb("libc6", "2", "amd64"), deb("x", "2")] },
      { layerIndex: 1, packages: [deb("libc6", "2", "amd64"), deb("libc6", "2", "i386"), deb("x", "1")] },
    ]);
    expect(m.get(attributionKey(deb("libc6", "2", "amd64")))).toBe(0);
    expect(m.get(attributionKey(deb("libc6", "2", "i386")))).toBe(1);
    expect(m.get(attributionKey(deb("x", "1")))).toBe(1);
  });

  it("drops packages absent from the final state", () => {
    const m = attributeLayers([
      { layerIndex: 0, packages: [deb("a", "1")] },
      { layerIndex: 1, packages: [] },
    ]);
    expect(m.size).toBe(0);
  });
});
