import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { silentLogger } from "../../core/logger.js";
import { openLocalImage } from "../local-image.js";
import { buildLayer, type LayerCompression, writeOciLayout } from "../test-helpers/build-image.js";
import { DEFAULT_LIMITS } from "../types.js";
import { walkImage } from "./walk.js";

const DPKG_STATUS = readFileSync("/var/lib/dpkg/status");
const OS_RELEASE = readFileSync("/etc/os-release");
const tmp = mkdtempSync(join(tmpdir(), "vigil-walk-test-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const wantDb = (p: string) =>
  p === "/var/lib/dpkg/status" || p === "/etc/os-release" || p.startsWith("/usr/lib/os-release");

async function layout(name: string, c: LayerCompression) {
  const dir = join(tmp, name);
  const base = await buildLayer(
    [
      { name: "etc/", type: "directory" },
      { name: "etc/os-release", content: OS_RELEASE },
      { name: "var/lib/dpkg/status", content: DPKG_STATUS.subarray(0, 20000) },
      { name: "usr/bin/tool", content: "#!/bin/sh\necho tool\n", mode: 0o755 },
    ],
    c,
    "ADD rootfs.tar /",
  );
  const upgrade = await buildLayer(
    [{ name: "var/lib/dpkg/status", content: DPKG_STATUS }, { name: "usr/bin/.wh.tool" }],
    c,
    "RUN apt-get install -y x",
  );
  writeOciLayout(dir, { layers: [base, upgrade] });
  return dir;
}

describe("walkImage over an OCI layout", () => {
  for (const c of ["gzip", "zstd", "none"] as const) {
    it(`walks ${c} layers, applies whiteouts and keeps every captured version`, async () => {
      const dir = await layout(`oci-${c}`, c);
      const img = await openLocalImage(`oci-dir://${dir}`, {
        limits: DEFAULT_LIMITS,
        logger: silentLogger(),
      });
      const res = await walkImage(img, { wants: wantDb, limits: DEFAULT_LIMITS, logger: silentLogger() });
      try {
        expect(res.layerCount).toBe(2);
        expect(res.fileIndex.get("/usr/bin/tool")).toBeUndefined();
        expect(res.fileIndex.get("/var/lib/dpkg/status")?.layerIndex).toBe(1);
        expect(res.fileIndex.get("/etc/os-release")?.layerIndex).toBe(0);
        const final = res.finalFiles();
        expect(final.map((f) => f.path)).toEqual(["/etc/os-release", "/var/lib/dpkg/status"]);
        const status = final.find((f) => f.path === "/var/lib/dpkg/status")!;
        expect((await status.read()).equals(DPKG_STATUS)).toBe(true);
        expect(status.layerIndex).toBe(1);
        const before = res.filesAfterLayer(0).find((f) => f.path === "/var/lib/dpkg/status")!;
        expect(before.size).toBe(20000);
        expect((await before.readRange(0, 8)).toString()).toBe(DPKG_STATUS.subarray(0, 8).toString());
        expect(res.changedByLayer(1)).toEqual(["/var/lib/dpkg/status"]);
        expect(res.changedByLayer(0)).toEqual(["/etc/os-release", "/var/lib/dpkg/status"]);
      } finally {
        await res.dispose();
        await img.close();
      }
    });
  }
});
