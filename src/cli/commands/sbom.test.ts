/**
 * End to end: the built CLI (`npm run build` first; CI builds before testing) on the bundled example
 * image and on broken copies of it.
 */
import { spawnSync } from "node:child_process";
import {
  cpSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  truncateSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import {
  cycloneDx16Validator,
  errorsText,
  spdx23Validator,
  vigilSbomValidator,
} from "../../sbom/formats/schemas.testutil.js";

const MAIN = fileURLToPath(new URL("../../../dist/cli/vigil.cjs", import.meta.url));
const EXAMPLE = fileURLToPath(new URL("../../../examples/debian-app", import.meta.url));
const work = mkdtempSync(join(tmpdir(), "vigil-sbom-cli-"));
const env = { ...process.env, VIGIL_CACHE_DIR: join(work, "cache"), VIGIL_DEBUG: "" };
afterAll(() => rmSync(work, { recursive: true, force: true }));

function vigil(...args: string[]) {
  const r = spawnSync(process.execPath, [MAIN, ...args], { encoding: "utf8", env, timeout: 30_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function expectOneLineError(r: ReturnType<typeof vigil>, code: number, pattern: RegExp) {
  expect(r.code, r.stderr).toBe(code);
  // Progress lines ("    ✓ …") may precede the error; the error itself is one line.
  const lines = r.stderr.split("\n").filter((l) => l.trim() !== "" && !/^ {4}✓ /.test(l));
  expect(lines, r.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(/^vigil: /);
  expect(lines[0]).toMatch(pattern);
  expect(r.stderr).not.toMatch(/\n\s+at /);
}

/** A copy of the example layout to break. */
function copyExample(name: string): string {
  const dir = join(work, name);
  cpSync(EXAMPLE, dir, { recursive: true });
  return dir;
}

function layerBlobs(dir: string): string[] {
  const index = JSON.parse(readFileSync(join(dir, "index.json"), "utf8"));
  const manifest = JSON.parse(
    readFileSync(join(dir, "blobs/sha256", index.manifests[0].digest.slice(7)), "utf8"),
  ) as { layers: { digest: string }[] };
  return manifest.layers.map((l) => join(dir, "blobs/sha256", l.digest.slice(7)));
}

describe("vigil sbom (built CLI)", () => {
  it("lists the example image's packages with their layers", () => {
    const r = vigil("sbom", "--format", "list", EXAMPLE);
    expect(r.code, r.stderr).toBe(0);
    const rows = r.stdout
      .split("\n")
      .slice(3)
      .filter((l) => l.trim());
    expect(rows).toHaveLength(16);
    expect(r.stdout).toMatch(/libssl3\s+3\.0\.22-1~deb12u2\s+deb\s+1 [0-9a-f]{12}/);
    expect(r.stdout).toMatch(/minimist\s+1\.2\.5\s+npm\s+2 /);
    expect(r.stderr).toMatch(/✓ OCI directory read/);
    expect(r.stderr).toMatch(/✓ (Indexed 16 packages|SBOM of image already cached, 16 packages indexed)/);
    const again = vigil("sbom", "--format", "list", `oci-dir://${EXAMPLE}`);
    expect(again.stderr).toContain("✓ SBOM of image already cached, 16 packages indexed");
    expect(again.stdout).toBe(r.stdout);
    const npm = vigil("sbom", "--format", "list", "--only-package-type", "npm", "-q", EXAMPLE);
    expect(
      npm.stdout
        .split("\n")
        .slice(3)
        .filter((l) => l.trim()),
    ).toHaveLength(2);
    expect(npm.stderr).toBe("");
  });

  it("writes JSON by default, and CycloneDX / SPDX that validate against their official schemas", () => {
    const json = vigil("sbom", "-q", EXAMPLE);
    expect(json.code, json.stderr).toBe(0);
    const v = vigilSbomValidator();
    const doc = JSON.parse(json.stdout);
    expect(v(doc), errorsText(v)).toBe(true);
    expect(doc.packages).toHaveLength(16);
    const cdx = vigil("sbom", "-q", "--format", "cyclonedx", EXAMPLE);
    const vc = cycloneDx16Validator();
    expect(vc(JSON.parse(cdx.stdout)), errorsText(vc)).toBe(true);
    const spdx = vigil("sbom", "-q", "--format", "spdx", EXAMPLE);
    const vs = spdx23Validator();
    expect(vs(JSON.parse(spdx.stdout)), errorsText(vs)).toBe(true);
  });

  it("writes --output atomically and reads it back as sbom://", () => {
    const out = join(work, "out", "example.cdx.json");
    const r = vigil("sbom", "--format", "cyclonedx", "--output", out, EXAMPLE);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe("");
    expect(r.stderr).toContain(`✓ Report written to ${out}`);
    expect(readdirSync(join(work, "out"))).toEqual(["example.cdx.json"]);
    const back = vigil("sbom", "--format", "list", `sbom://${out}`);
    expect(back.code, back.stderr).toBe(0);
    expect(back.stdout).toMatch(/libssl3\s+3\.0\.22-1~deb12u2\s+deb\s+1 /);
  });

  it("also indexes an unpacked filesystem with --no-cache", () => {
    const r = vigil("sbom", "--format", "list", "--no-cache", `fs://${EXAMPLE}`);
    // An OCI layout directory read as a plain filesystem has no packages, and that is no error.
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain("(no packages)");
    expect(r.stderr).toContain("✓ File system read");
  });
});

describe("vigil sbom on bad input: one line, documented exit code, no stack trace", () => {
  it("usage errors exit 64", () => {
    expectOneLineError(vigil("sbom", "--format", "xml", EXAMPLE), 64, /--format: unknown format "xml"/);
    expectOneLineError(
      vigil("sbom", "--format", "json", "--only-package-type", "deb", EXAMPLE),
      64,
      /only-package-type can only be used with --format list/,
    );
    expectOneLineError(
      vigil("sbom", "--max-image-size", "lots", EXAMPLE),
      64,
      /--max-image-size: invalid size/,
    );
    expectOneLineError(vigil("sbom", "--platform", "amd64", EXAMPLE), 64, /--platform/);
  });

  it("a missing path exits 66", () => {
    expectOneLineError(vigil("sbom", join(work, "nothing-here")), 66, /no such file or directory/);
  });

  it("a missing or garbled index.json exits 67", () => {
    const dir = copyExample("no-index");
    rmSync(join(dir, "index.json"));
    const r = vigil("sbom", "--no-cache", `oci-dir://${dir}`);
    expect([66, 67]).toContain(r.code);
    expectOneLineError(r, r.code!, /index\.json/);
    const dir2 = copyExample("bad-index");
    writeFileSync(join(dir2, "index.json"), "{ nope");
    expectOneLineError(vigil("sbom", "--no-cache", `oci-dir://${dir2}`), 67, /index\.json/);
  });

  it("an SBOM file whose JSON breaks across lines gives one line, without the input's control characters", () => {
    // JSON.parse quotes the text around the error, line breaks and all; a hostile file puts escapes there.
    const f = join(work, "broken-sbom.json");
    writeFileSync(f, '{\n  "schemaVersion": "1.0",\n  "packages":\n    \u001b[31m\n  [\n  ]\n}\n');
    const r = vigil("sbom", `sbom://${f}`);
    expectOneLineError(r, 67, /not valid JSON \(.*\)$/);
    expect(r.stderr).not.toContain("\u001b");
  });

  it("a truncated gzip layer exits 68 (digest), naming the blob and what reading it hit", () => {
    const dir = copyExample("truncated");
    const blob = layerBlobs(dir)[1]!;
    truncateSync(blob, Math.floor(statSync(blob).size / 2));
    const r = vigil("sbom", "--no-cache", `oci-dir://${dir}`);
    expectOneLineError(
      r,
      68,
      /layer 1 \(sha256:[0-9a-f]{64}\): blob digest mismatch \(got sha256:[0-9a-f]{64}\); reading it failed: corrupt or truncated gzip data/,
    );
  });

  it("a layer whose bytes do not match its digest exits 68", () => {
    const dir = copyExample("tampered");
    const blob = layerBlobs(dir)[2]!;
    const b = readFileSync(blob);
    b[b.length - 9] = b[b.length - 9]! ^ 0xff; // inside the gzip trailer (CRC) or data
    writeFileSync(blob, b);
    const r = vigil("sbom", "--no-cache", `oci-dir://${dir}`);
    expectOneLineError(r, 68, /layer 2 \(sha256:[0-9a-f]{64}\): blob digest mismatch \(got sha256:/);
  });

  it("a limit exits 69", () => {
    expectOneLineError(
      vigil("sbom", "--no-cache", "--max-image-size", "100kB", EXAMPLE),
      69,
      /max-image-size/,
    );
  });

  it("a file that is no SBOM exits 67", () => {
    const f = join(work, "not-sbom.json");
    writeFileSync(f, '{"hello": "world"}');
    expectOneLineError(vigil("sbom", `sbom://${f}`), 67, /not a supported SBOM/);
  });
});

describe("vigil cache df / prune (built CLI)", () => {
  it("shows the cached SBOM and prunes it with --sboms --force", () => {
    expect(vigil("sbom", "-q", EXAMPLE).code).toBe(0);
    const df = vigil("cache", "df");
    expect(df.code, df.stderr).toBe(0);
    expect(df.stdout).toMatch(/sha256:[0-9a-f]{64}/);
    expect(df.stdout).toContain("Size of SBOM");
    expect(df.stdout).toContain(join(work, "cache", "sboms"));
    const refused = spawnSync(process.execPath, [MAIN, "cache", "prune"], {
      encoding: "utf8",
      env,
      input: "",
    });
    expect(refused.status).toBe(64);
    const pr = vigil("cache", "prune", "--sboms", "--force");
    expect(pr.code, pr.stderr).toBe(0);
    expect(pr.stderr).toContain("✓ Temporary data deleted");
    expect(pr.stderr).toContain("✓ Cached SBOMs deleted (1)");
    expect(vigil("cache", "df").stdout).toContain("No cached SBOMs");
  });
});
