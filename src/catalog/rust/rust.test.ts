import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { homedir, tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { deflateSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bufferSource } from "../binary/byte-source.js";
import { bufferFileRef, catalogInput } from "../binary/testing.js";
import { cargoCataloger, parseCargoLock, readAuditableDeps } from "./index.js";

/** Runs a tool with stdin closed (cargo hands its stdin to rustc), failing on a non-zero exit. */
function run(
  cmd: string,
  args: string[],
  opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { ...opts, stdio: ["ignore", "ignore", "pipe"] });
    let err = "";
    child.stderr.on("data", (c: Buffer) => {
      if (err.length < 10_000) err += c.toString();
    });
    child.on("error", reject);
    child.on("close", (code) =>
      code === 0 ? resolve() : reject(new Error(`${cmd} ${args.join(" ")}: exit ${code}\n${err}`)),
    );
  });
}
const fixtures = new URL("../../../../shared/corpus/expected/trivy/fixtures/repo/", import.meta.url).pathname;

/** cargo on PATH, else rustup's default location; the test fails (not skips) when neither exists. */
function findCargo(): string {
  for (const dir of (process.env.PATH ?? "").split(delimiter)) {
    if (dir && existsSync(join(dir, "cargo"))) return join(dir, "cargo");
  }
  const fallback = join(homedir(), ".cargo/bin/cargo");
  if (existsSync(fallback)) return fallback;
  throw new Error("cargo not found (PATH or ~/.cargo/bin): required to build the Rust test binary");
}

const DEPS = {
  packages: [
    { name: "hello", version: "0.1.0", source: "local", dependencies: [1, 2], root: true },
    { name: "serde", version: "1.0.197", source: "crates.io" },
    { name: "serde_json", version: "1.0.114", source: "crates.io", dependencies: [1, 3] },
    { name: "itoa", version: "1.0.10", source: "crates.io" },
    { name: "cc", version: "1.0.90", source: "crates.io", kind: "build" },
  ],
};

let work: string;
let plain: Buffer;
let lockText: string;
const withSection = async (name: string, content: Buffer): Promise<Buffer> => {
  const data = join(work, `${name}.section`);
  writeFileSync(data, content);
  const out = join(work, name);
  await run("objcopy", [
    "--add-section",
    `.dep-v0=${data}`,
    "--set-section-flags",
    ".dep-v0=noload,readonly",
    join(work, "hello.bin"),
    out,
  ]);
  return readFileSync(out);
};
let audited: Buffer;

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), "vigil-rust-"));
  const cargo = findCargo();
  await run(cargo, ["new", "--vcs", "none", "--bin", "hello", "-q"], { cwd: work });
  await run(cargo, ["build", "--release", "--offline", "-q"], {
    cwd: join(work, "hello"),
    env: { ...process.env, CARGO_TARGET_DIR: join(work, "target") },
  });
  plain = readFileSync(join(work, "target/release/hello"));
  writeFileSync(join(work, "hello.bin"), plain);
  lockText = readFileSync(join(work, "hello/Cargo.lock"), "utf8");
  // cargo-auditable's format: zlib-compressed JSON in a `.dep-v0` section.
  audited = await withSection("audited", deflateSync(JSON.stringify(DEPS)));
}, 55_000);

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

describe("cargo-auditable binaries", () => {
  it("lists the crates of a Rust ELF built by cargo with a .dep-v0 section, without build-only crates", async () => {
    const r = await cargoCataloger.catalog(catalogInput([bufferFileRef(audited, "/usr/local/bin/hello", 2)]));
    expect(r.warnings).toEqual([]);
    expect(r.packages.map((p) => [p.purl, p.metadata!.source, p.metadata!.root ?? ""])).toEqual([
      ["pkg:cargo/hello@0.1.0", "local", "true"],
      ["pkg:cargo/serde@1.0.197", "crates.io", ""],
      ["pkg:cargo/serde_json@1.0.114", "crates.io", ""],
      ["pkg:cargo/itoa@1.0.10", "crates.io", ""],
    ]);
    expect(r.packages[1]).toMatchObject({
      id: "cargo:serde@1.0.197",
      type: "cargo",
      name: "serde",
      layerIndex: 2,
      foundBy: "cargo",
      locations: [{ path: "/usr/local/bin/hello", layerIndex: 2 }],
    });
    const deps = await readAuditableDeps(bufferSource(audited));
    expect(deps!.find((d) => d.name === "cc")!.kind).toBe("build");
  });

  it("finds nothing (and says nothing) in a Rust binary without cargo-auditable data", async () => {
    const r = await cargoCataloger.catalog(catalogInput([bufferFileRef(plain, "/usr/local/bin/hello")]));
    expect(r).toEqual({ packages: [], warnings: [] });
  });

  it("warns about a corrupt section, a zlib bomb, bad JSON and a truncated ELF; keeps the good binary", async () => {
    const corrupt = await withSection("corrupt", Buffer.from("not zlib at all"));
    const bomb = await withSection("bomb", deflateSync(Buffer.alloc(40 * 1024 ** 2, 0x20)));
    const badJson = await withSection("badjson", deflateSync('{"packages": [{"name": 1}]}'));
    const files = [
      bufferFileRef(corrupt, "/bin/corrupt"),
      bufferFileRef(bomb, "/bin/bomb"),
      bufferFileRef(badJson, "/bin/badjson"),
      bufferFileRef(audited.subarray(0, audited.length - 2000), "/bin/truncated"),
      bufferFileRef(audited, "/bin/good"),
    ];
    const t0 = Date.now();
    const r = await cargoCataloger.catalog(catalogInput(files));
    expect(Date.now() - t0).toBeLessThan(10_000);
    expect(r.warnings).toHaveLength(4);
    expect(r.warnings[0]).toMatch(/^\/bin\/corrupt: malformed \.dep-v0 section/);
    expect(r.warnings[1]).toMatch(
      /^\/bin\/bomb: malformed \.dep-v0 section: inflates to more than 33554432 bytes/,
    );
    expect(r.warnings[2]).toMatch(/^\/bin\/badjson: malformed \.dep-v0 section: a package without name/);
    expect(r.warnings[3]).toMatch(/^\/bin\/truncated: malformed executable/);
    expect(new Set(r.packages.map((p) => p.locations[0]!.path))).toEqual(new Set(["/bin/good"]));
  });
});

describe("Cargo.lock", () => {
  it("reads the lockfile cargo just wrote (v4 here) and trivy's v4 fixture", async () => {
    expect(parseCargoLock(lockText)).toEqual([{ name: "hello", version: "0.1.0" }]);
    const text = readFileSync(join(fixtures, "cargo/Cargo.lock"), "utf8");
    const r = await cargoCataloger.catalog(
      catalogInput([bufferFileRef(Buffer.from(text), "/src/app/Cargo.lock", 1)]),
    );
    expect(r.packages).toHaveLength(10);
    expect(r.packages.map((p) => p.purl)).toContain("pkg:cargo/memchr@1.0.2");
    expect(r.packages.map((p) => p.purl)).toContain("pkg:cargo/memchr@2.7.4");
    const app = r.packages.find((p) => p.name === "app")!;
    expect(app.metadata).toMatchObject({ source: "local", evidence: "Cargo.lock" });
    const libc = r.packages.find((p) => p.name === "libc")!;
    expect(libc.metadata).toMatchObject({
      source: "crates.io",
      checksum: "c19937216e9d3aa9956d9bb8dfc0b0c8beb6058fc4f7a4dc4d850edf86a237d6",
    });
    const big = parseCargoLock(readFileSync(join(fixtures, "trivy-ci-test/Cargo.lock"), "utf8"));
    expect(big).toHaveLength(74);
  });

  it("reads v1 lockfiles with checksums under [metadata]", () => {
    const v1 = [
      "[[package]]",
      'name = "itoa"',
      'version = "0.4.8"',
      'source = "registry+https://github.com/rust-lang/crates.io-index"',
      "",
      "[[package]]",
      'name = "app"',
      'version = "0.1.0"',
      'dependencies = [\n "itoa 0.4.8 (registry+https://github.com/rust-lang/crates.io-index)",\n]',
      "",
      "[metadata]",
      '"checksum itoa 0.4.8 (registry+https://github.com/rust-lang/crates.io-index)" = "b71991ff56294aa922b450139ee08b3bfc70982c6b2c7562771375cf73542dd4"',
      "",
    ].join("\n");
    expect(parseCargoLock(v1)).toEqual([
      {
        name: "itoa",
        version: "0.4.8",
        source: "registry+https://github.com/rust-lang/crates.io-index",
        checksum: "b71991ff56294aa922b450139ee08b3bfc70982c6b2c7562771375cf73542dd4",
      },
      { name: "app", version: "0.1.0" },
    ]);
  });

  it("warns about a malformed Cargo.lock", async () => {
    const r = await cargoCataloger.catalog(
      catalogInput([bufferFileRef(Buffer.from("[[package]\nname = "), "/x/Cargo.lock")]),
    );
    expect(r.packages).toEqual([]);
    expect(r.warnings[0]).toMatch(/^\/x\/Cargo\.lock: malformed Cargo\.lock/);
  });

  it("wants Cargo.lock files and binary candidates", () => {
    expect(cargoCataloger.wants("/src/Cargo.lock", 100)).toBe(true);
    expect(cargoCataloger.wants("/usr/local/cargo/bin/rg", 5_000_000)).toBe(true);
    expect(cargoCataloger.wants("/src/Cargo.toml", 100)).toBe(false);
  });
});
