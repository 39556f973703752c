/**
 * End to end on the built CLI: the bundled example image (examples/debian-app) against a snapshot built
 * from the bundled example advisories (advisories/example) — the README quick start — plus the flags
 * that change the exit code, VEX, and the Docker CLI plugin path with the real `docker` client.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildSnapshot } from "../../advisory/store/build.js";

const repo = fileURLToPath(new URL("../../../", import.meta.url));
const main = join(repo, "dist/cli/vigil.cjs");
const image = `oci-dir://${join(repo, "examples/debian-app")}`;
const tmp = mkdtempSync(join(tmpdir(), "vigil-cves-"));
const db = join(tmp, "example.sqlite");
const env = { ...process.env, VIGIL_CACHE_DIR: join(tmp, "cache"), VIGIL_DATA_DIR: join(tmp, "data") };

function vigil(args: string[], extraEnv: Record<string, string> = {}) {
  return spawnSync(process.execPath, [main, ...args], {
    encoding: "utf8",
    env: { ...env, ...extraEnv },
    timeout: 60_000,
  });
}

beforeAll(async () => {
  await buildSnapshot({ sources: [join(repo, "advisories/example")], out: db });
}, 60_000);
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

interface JsonReport {
  findings: {
    id: string;
    package: { name: string; version: string };
    fixedVersions: string[];
    severity: { rating: string };
  }[];
  summary: { counts: Record<string, number> };
}

describe("vigil cves on the bundled example", () => {
  it("reports exactly the example's known advisories (npm) and no Debian false positive", () => {
    const r = vigil(["cves", "--db", db, "--format", "json", image]);
    expect(r.status, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout) as JsonReport;
    expect(
      doc.findings
        .map((f) => `${f.id} ${f.package.name} ${f.severity.rating} ${f.fixedVersions.join(",")}`)
        .sort(),
    ).toEqual([
      "CVE-2020-28500 lodash medium 4.17.21",
      "CVE-2020-8203 lodash high 4.17.20",
      "CVE-2021-23337 lodash high 4.17.21",
      "CVE-2021-44906 minimist critical 1.2.6",
    ]);
    expect(r.stderr).toContain("✗ Detected 2 vulnerable packages with a total of 4 vulnerabilities");
  });

  it("packages format is the default; --exit-code gives 2, filters can clear it", () => {
    const r = vigil(["cves", "--db", db, "-e", image]);
    expect(r.status).toBe(2);
    expect(r.stdout).toContain("   1C     0H     0M     0L  minimist 1.2.5");
    const none = vigil(["cves", "--db", db, "-e", "--only-severity", "low", image]);
    expect(none.status).toBe(0);
    expect(none.stdout).toContain("No vulnerable packages detected");
    const deb = vigil(["cves", "--db", db, "-e", "--only-package-type", "deb", image]);
    expect(deb.status).toBe(0);
  });

  it("--output writes the file", () => {
    const out = join(tmp, "report.sarif.json");
    const r = vigil(["cves", "--db", db, "--format", "sarif", "--output", out, image]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toContain(`Report written to ${out}`);
    expect((JSON.parse(readFileSync(out, "utf8")) as { version: string }).version).toBe("2.1.0");
  });

  it("--ignore-base / --only-base split findings by the base image's layers", () => {
    const fresh = { VIGIL_DATA_DIR: join(tmp, "data-ignore-base") };
    const none = vigil(["cves", "--db", db, "--ignore-base", image], fresh);
    expect(none.status).toBe(66);
    expect(none.stderr).toMatch(/--ignore-base: no base image detected/);
    // The example's first layer as an image of its own: the base, added to the base-image index.
    const ex = join(repo, "examples/debian-app");
    const blob = (d: string) => readFileSync(join(ex, "blobs/sha256", d.slice(7)));
    const idx = JSON.parse(readFileSync(join(ex, "index.json"), "utf8")) as {
      manifests: { digest: string }[];
    };
    const man = JSON.parse(blob(idx.manifests[0]!.digest).toString()) as {
      config: { digest: string };
      layers: { digest: string; mediaType: string; size: number }[];
    };
    const cfg = JSON.parse(blob(man.config.digest).toString()) as { rootfs: { diff_ids: string[] } };
    const baseDir = join(tmp, "base-layout");
    mkdirSync(join(baseDir, "blobs/sha256"), { recursive: true });
    const put = (b: Buffer) => {
      const h = createHash("sha256").update(b).digest("hex");
      writeFileSync(join(baseDir, "blobs/sha256", h), b);
      return { digest: `sha256:${h}`, size: b.length };
    };
    const l0 = man.layers[0]!;
    put(blob(l0.digest));
    const c = put(
      Buffer.from(
        JSON.stringify({
          architecture: "amd64",
          os: "linux",
          rootfs: { type: "layers", diff_ids: [cfg.rootfs.diff_ids[0]] },
        }),
      ),
    );
    const m = put(
      Buffer.from(
        JSON.stringify({
          schemaVersion: 2,
          mediaType: "application/vnd.oci.image.manifest.v1+json",
          config: { mediaType: "application/vnd.oci.image.config.v1+json", ...c },
          layers: [l0],
        }),
      ),
    );
    writeFileSync(join(baseDir, "oci-layout"), '{"imageLayoutVersion":"1.0.0"}');
    writeFileSync(
      join(baseDir, "index.json"),
      JSON.stringify({
        schemaVersion: 2,
        manifests: [
          {
            mediaType: "application/vnd.oci.image.manifest.v1+json",
            ...m,
            annotations: { "org.opencontainers.image.ref.name": "12" },
          },
        ],
      }),
    );
    const added = vigil(["base", "index", `oci-dir://${baseDir}`], fresh);
    expect(added.status, added.stderr).toBe(0);
    const all = JSON.parse(vigil(["cves", "--db", db, "--format", "json", image], fresh).stdout) as {
      vulnerabilities?: unknown[];
      findings?: unknown[];
    };
    const own = vigil(["cves", "--db", db, "--format", "json", "--ignore-base", image], fresh);
    expect(own.status, own.stderr).toBe(0);
    expect(own.stderr).toMatch(/Base image .* \(layer-chain\): 1 of 3 layers/);
    const base = vigil(["cves", "--db", db, "--format", "json", "--only-base", image], fresh);
    const count = (t: string) => {
      const j = JSON.parse(t) as Record<string, unknown>;
      const list = (j.vulnerabilities ?? j.findings) as { package?: { layerIndex?: number } }[];
      return list;
    };
    const ownList = count(own.stdout);
    const baseList = count(base.stdout);
    expect(ownList.length + baseList.length).toBe(count(JSON.stringify(all)).length);
    expect(ownList.length).toBeGreaterThan(0);
  });

  it("a missing database is an ADVISORY_DB error (77)", () => {
    const r = vigil(["cves", "--db", join(tmp, "nope.sqlite"), image]);
    expect(r.status).toBe(77);
    expect(r.stderr).toMatch(/no advisory database/);
  });

  it("VEX suppresses before --exit-code, and a statement that matched nothing is a warning", () => {
    const vex = join(tmp, "app.vex.json");
    writeFileSync(
      vex,
      JSON.stringify({
        "@context": "https://openvex.dev/ns/v0.2.0",
        "@id": "https://example.com/vex/app",
        author: "Example <sec@example.com>",
        timestamp: "2026-01-01T00:00:00Z",
        version: 1,
        statements: [
          {
            vulnerability: { name: "CVE-2021-44906" },
            products: [{ "@id": "pkg:npm/minimist@1.2.5" }],
            status: "not_affected",
            justification: "vulnerable_code_not_in_execute_path",
          },
          {
            vulnerability: { name: "GHSA-p6mc-m468-83gw" },
            products: [{ "@id": "pkg:npm/lodash@4.17.15" }],
            status: "fixed",
          },
          {
            vulnerability: { name: "CVE-2099-0001" },
            products: [{ "@id": "pkg:npm/lodash" }],
            status: "not_affected",
          },
        ],
      }),
    );
    const r = vigil(["cves", "--db", db, "--vex-location", vex, "-e", "--only-severity", "critical", image]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toContain("Loaded 1 VEX document");
    expect(r.stderr).toMatch(/CVE-2099-0001.*matched no finding/);
    const shown = vigil(["cves", "--db", db, "--vex-location", tmp, "--show-suppressed", image]);
    expect(shown.stdout).toMatch(/✓ CRITICAL CVE-2021-44906 +SUPPRESSED/);
    expect(shown.stdout).toMatch(/✓ HIGH CVE-2020-8203 +SUPPRESSED \(VEX fixed\)/);
  });

  it("quickview prints Scout's summary row", () => {
    const r = vigil(["quickview", "--db", db, image]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/ {2}Your image {2}\S*debian-app\S* +│ {4}1C {5}2H {5}1M {5}0L\n/);
    expect(vigil(["qv", "--db", db, image]).stdout).toContain("Your image");
  });
});

describe("Docker CLI plugin", () => {
  it("docker vigil version / cves through a plugin in DOCKER_CONFIG/cli-plugins", () => {
    const docker = spawnSync("docker", ["--version"], { encoding: "utf8" });
    expect(
      docker.error,
      "the docker client must be installed (Debian package docker.io or docker-ce-cli)",
    ).toBeUndefined();
    const config = join(tmp, "docker-config");
    mkdirSync(join(config, "cli-plugins"), { recursive: true });
    const plugin = join(config, "cli-plugins", "docker-vigil");
    writeFileSync(plugin, `#!/bin/sh\nexec "${process.execPath}" "${main}" "$@"\n`);
    chmodSync(plugin, 0o755);
    const denv = { ...env, DOCKER_CONFIG: config };
    const help = execFileSync("docker", ["--help"], { encoding: "utf8", env: denv });
    expect(help).toMatch(/vigil\*?\s+Container image analysis/);
    const v = spawnSync("docker", ["vigil", "version"], { encoding: "utf8", env: denv });
    expect(v.status, v.stderr).toBe(0);
    expect(v.stdout).toMatch(/^vigil \d+\.\d+\.\d+/);
    const c = spawnSync("docker", ["vigil", "cves", "--db", db, "-e", "--format", "only-packages", image], {
      encoding: "utf8",
      env: denv,
    });
    expect(c.status, c.stderr).toBe(2);
    expect(c.stdout).toMatch(/minimist\s+1\.2\.5\s+npm\s+1C/);
    expect(existsSync(plugin)).toBe(true);
    // The documented one-line install: a symlink to the launcher.
    rmSync(plugin);
    symlinkSync(join(repo, "bin/vigil.cjs"), plugin);
    const linked = spawnSync("docker", ["vigil", "version"], { encoding: "utf8", env: denv });
    expect(linked.status, linked.stderr).toBe(0);
    expect(linked.stdout).toMatch(/^vigil \d+\.\d+\.\d+/);
  });
});
