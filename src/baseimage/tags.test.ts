import { describe, expect, it } from "vitest";
import { chainIds } from "./chain.js";
import { parseTag, relation, updateCandidates } from "./tags.js";

describe("tag parsing", () => {
  it("splits versions, flavours, pre-releases and dates", () => {
    expect(parseTag("3.19.1")).toMatchObject({ version: [3, 19, 1], flavour: [] });
    expect(parseTag("20-bookworm-slim")).toMatchObject({ version: [20], flavour: ["bookworm", "slim"] });
    expect(parseTag("18.18.1-alpine3.18")).toMatchObject({
      version: [18, 18, 1],
      flavour: ["alpine3.18"],
      family: ["alpine"],
    });
    expect(parseTag("3.13.0rc2-slim")).toMatchObject({
      version: [3, 13, 0],
      prerelease: "rc2",
      flavour: ["slim"],
    });
    expect(parseTag("bookworm-20240110-slim")).toMatchObject({
      version: [12],
      dated: "20240110",
      flavour: ["slim"],
    });
    expect(parseTag("buster-slim")).toMatchObject({ version: [10], flavour: ["slim"] });
    expect(parseTag("latest")).toMatchObject({ version: [], flavour: ["latest"] });
    expect(parseTag("v1.2")).toMatchObject({ version: [1, 2] });
  });

  it("relates versions", () => {
    expect(relation(parseTag("3.18"), parseTag("3.19"))).toBe("minor");
    expect(relation(parseTag("3.18"), parseTag("4.0"))).toBe("major");
    expect(relation(parseTag("3.18"), parseTag("3.17"))).toBe("older");
    expect(relation(parseTag("3.18"), parseTag("3.20-rc1"))).toBe("incompatible");
  });
});

describe("update candidates", () => {
  const alpine = [
    "3.16",
    "3.17",
    "3.18",
    "3.19",
    "3.20",
    "3.18.4",
    "3.19.1",
    "edge",
    "latest",
    "3.21_rc1",
    "20240101",
  ];
  it("keeps the flavour and precision, same major first, newest first, stable only", () => {
    expect(updateCandidates("3.18", alpine)).toEqual(["3.20", "3.19"]);
    expect(updateCandidates("3.18.4", alpine)).toEqual(["3.19.1"]);
  });
  it("handles flavoured runtime images", () => {
    const node = [
      "18-alpine",
      "20-alpine",
      "22-alpine",
      "20-slim",
      "20-bookworm-slim",
      "22-bookworm-slim",
      "20.8-alpine",
      "21-alpine",
    ];
    expect(updateCandidates("18-alpine", node)).toEqual(["22-alpine", "21-alpine", "20-alpine"]);
    expect(updateCandidates("20-bookworm-slim", node)).toEqual(["22-bookworm-slim"]);
  });
  it("moves Debian codenames forward", () => {
    const debian = [
      "buster-slim",
      "bullseye-slim",
      "bookworm-slim",
      "bookworm",
      "12-slim",
      "stable-slim",
      "trixie-slim",
    ];
    expect(updateCandidates("buster-slim", debian)).toEqual([
      "trixie-slim",
      "bookworm-slim",
      "bullseye-slim",
    ]);
  });
});

describe("chain ids", () => {
  it("follow the OCI definition", () => {
    const a = `sha256:${"a".repeat(64)}`;
    const b = `sha256:${"b".repeat(64)}`;
    const ids = chainIds([a, b]);
    expect(ids[0]).toBe(a);
    // sha256("sha256:aaa… sha256:bbb…") computed independently with coreutils' sha256sum
    expect(ids[1]).toBe("sha256:ccd722928bd92476ba1745586fed6e45a102504185ad88cd89e01ff116fd146c");
    expect(chainIds([a, b, a])[1]).toBe(ids[1]);
  });
});
