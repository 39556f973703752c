import { describe, expect, it } from "vitest";
import { silentLogger } from "../core/logger.js";
import { pkgdbPath, treeFileRefs } from "./distro/testing.js";
import { DISTRO_PATHS, detectDistro, osCatalogers, wantsDistroPath } from "./os.js";

describe("osCatalogers", () => {
  it("lists dpkg, apk and rpm as OS database catalogers with unique names", () => {
    expect(osCatalogers.map((c) => c.name)).toEqual(["dpkg", "apk", "rpm"]);
    for (const c of osCatalogers) {
      expect(c.kind).toBe("os");
      expect(c.attribution).toBe("database");
      expect(c.version).toMatch(/^\d+$/);
    }
    expect(DISTRO_PATHS).toContain("/etc/os-release");
    expect(wantsDistroPath("/usr/lib/os-release")).toBe(true);
    expect(wantsDistroPath("/etc/passwd")).toBe(false);
  });

  it("distro detection and the catalogers together on a real image tree (syft image-dpkg)", async () => {
    const files = treeFileRefs(pkgdbPath("dpkg/syft/image-dpkg"), 0);
    const distro = await detectDistro(files.filter((f) => wantsDistroPath(f.path)));
    expect(distro).toMatchObject({ id: "debian", versionId: "12", codename: "bookworm" });
    const found = [];
    for (const c of osCatalogers) {
      const mine = files.filter((f) => c.wants(f.path, f.size));
      if (mine.length === 0) continue;
      const r = await c.catalog({ files: mine, distro, exists: () => true, logger: silentLogger() });
      found.push(...r.packages);
      // The status file starts with an empty "Package:" stanza, and ends without a newline (in its
      // Homepage line, a field not read): two warnings, the package is kept.
      expect(r.warnings).toEqual([
        expect.stringMatching(/^\/var\/lib\/dpkg\/status: the file ends without a newline/),
        expect.stringMatching(/^\/var\/lib\/dpkg\/status: stanza at line 1 skipped/),
      ]);
    }
    expect(found.map((p) => p.purl)).toEqual([
      "pkg:deb/debian/libpam-runtime@1.1.8-3.6?arch=all&distro=debian-12&upstream=pam",
    ]);
    expect(found[0]!.licenses).toEqual(expect.arrayContaining(["GPL-2"]));
  });
});
