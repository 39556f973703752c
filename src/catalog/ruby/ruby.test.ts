import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, posix } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { filesFromDir, runCataloger, type VirtualFile } from "../language-a-testing.js";
import { rubyCataloger } from "./cataloger.js";
import { parseGemfileLock } from "./gemfile-lock.js";
import { parseGemspec } from "./gemspec.js";

const corpus = fileURLToPath(new URL("../../../../shared/corpus/pkgdb/ruby/", import.meta.url));
const read = (rel: string): string => readFileSync(join(corpus, rel), "utf8");
const SPECS = "/usr/local/bundle/specifications";

const GEMFILE_LOCK = `GIT
  remote: https://github.com/rails/sprockets.git
  revision: 6b0f0c8e1e6c5d0b6e8b7f2c1d0a9e8f7c6b5a4d
  specs:
    sprockets (4.2.0)
      concurrent-ruby (~> 1.0)
      rack (>= 2.2.4, < 4)

PATH
  remote: .
  specs:
    myapp (0.1.0)
      rack

GEM
  remote: https://rubygems.org/
  specs:
    concurrent-ruby (1.1.10)
    mini_portile2 (2.8.0)
    nokogiri (1.13.6)
      mini_portile2 (~> 2.8.0)
      racc (~> 1.4)
    nokogiri (1.13.6-x86_64-linux)
      racc (~> 1.4)
    racc (1.6.0)
    rack (2.2.3)
    rails-html-sanitizer (1.4.3)
      loofah (~> 2.3)

PLATFORMS
  ruby
  x86_64-linux

DEPENDENCIES
  myapp!
  nokogiri
  rack (~> 2.2)
  sprockets!

BUNDLED WITH
   2.3.7
`;

describe("gemspec parsing (corpus)", () => {
  it("reads the forms RubyGems writes and hand-written specs use", () => {
    expect(parseGemspec(read("syft/bundler.gemspec"))).toEqual({
      name: "bundler",
      version: "2.1.4",
      licenses: ["MIT"],
    });
    expect(parseGemspec(read("syft/formatador.gemspec"))).toEqual({
      name: "formatador",
      version: "1.1.0",
      licenses: ["MIT"],
    });
    expect(parseGemspec(read("osv-scalibr/yaml-0.2.1.gemspec"))).toEqual({
      name: "yaml",
      version: "0.2.1",
      licenses: ["Ruby", "BSD-2-Clause"],
    });
    expect(parseGemspec(read("osv-scalibr/version_inline.gemspec"))).toEqual({
      name: "example_inline",
      version: "3.0.0",
    });
    // a broken `Gem::Specif` header: the attribute lines are still literal
    expect(parseGemspec(read("osv-scalibr/badspec.gemspec"))).toEqual({ name: "foo", version: "1.2.3" });
    // `s.name =` with no value: the stub header line still names it
    expect(parseGemspec(read("osv-scalibr/invalid.gemspec"))).toEqual({ name: "rss", version: "0.2.9" });
    expect(parseGemspec('Gem::Specification.new "tiny", "0.1.0" do |s|\nend\n')).toEqual({
      name: "tiny",
      version: "0.1.0",
    });
    expect(parseGemspec("Gem::Specification.new do |s|\n  s.name = compute_name\nend\n")).toBeUndefined();
  });
});

describe("Gemfile.lock parsing", () => {
  it("reads GEM and GIT specs, splits platforms, leaves out PATH and dependency lines", () => {
    const { gems, warnings } = parseGemfileLock(GEMFILE_LOCK);
    expect(warnings).toEqual([]);
    expect(
      gems.map((g) => `${g.name}@${g.version}${g.platform ? `/${g.platform}` : ""}:${g.source}`),
    ).toEqual([
      "sprockets@4.2.0:GIT",
      "concurrent-ruby@1.1.10:GEM",
      "mini_portile2@2.8.0:GEM",
      "nokogiri@1.13.6:GEM",
      "nokogiri@1.13.6/x86_64-linux:GEM",
      "racc@1.6.0:GEM",
      "rack@2.2.3:GEM",
      "rails-html-sanitizer@1.4.3:GEM",
    ]);
  });
});

describe("ruby cataloger", () => {
  it("installed specs (corpus) with licences; a lockfile is ignored when gems are installed", async () => {
    const files: VirtualFile[] = [
      { path: `${SPECS}/bundler-2.1.4.gemspec`, source: join(corpus, "syft/bundler.gemspec"), layerIndex: 4 },
      {
        path: `${SPECS}/rss-0.2.9.gemspec`,
        source: join(corpus, "osv-scalibr/rss-0.2.9.gemspec"),
        layerIndex: 4,
      },
      {
        path: `${SPECS}/bad.gemspec`,
        source: Buffer.from("Gem::Specification.new do |s|\n s.name = x\nend"),
      },
      { path: "/app/Gemfile.lock", source: Buffer.from(GEMFILE_LOCK) },
    ];
    const res = await runCataloger(rubyCataloger, files);
    expect(res.packages.map((p) => p.purl).sort()).toEqual(["pkg:gem/bundler@2.1.4", "pkg:gem/rss@0.2.9"]);
    const bundler = res.packages.find((p) => p.name === "bundler");
    expect(bundler?.licenses).toEqual(["MIT"]);
    expect(bundler?.locations).toEqual([{ path: `${SPECS}/bundler-2.1.4.gemspec`, layerIndex: 4 }]);
    expect(bundler?.id).toBe(`gem:bundler@2.1.4:${SPECS}/bundler-2.1.4.gemspec`);
    expect(res.warnings).toEqual([`ruby: ${SPECS}/bad.gemspec: no literal name and version; skipped`]);
  });
  it("a lockfile alone is the evidence, platform in the purl", async () => {
    const res = await runCataloger(rubyCataloger, [
      { path: "/app/Gemfile.lock", source: Buffer.from(GEMFILE_LOCK) },
    ]);
    expect(res.packages).toHaveLength(8);
    expect(res.packages.map((p) => p.purl)).toContain("pkg:gem/nokogiri@1.13.6?platform=x86_64-linux");
    expect(new Set(res.packages.map((p) => p.id)).size).toBe(8);
    expect(res.packages.every((p) => p.metadata?.evidence === "lockfile")).toBe(true);
  });
});

/** Debian's libruby (Ruby's default and bundled gems) and ruby-rack, cached under os.tmpdir(). */
/** This Debian release's libruby (libruby3.1 on bookworm). */
function libruby(): string {
  const out = execFileSync("apt-cache", ["search", "--names-only", "^libruby[0-9.]+$"], { encoding: "utf8" });
  const names = out
    .split("\n")
    .map((l) => l.split(" ")[0] ?? "")
    .filter((n) => n.startsWith("libruby"));
  const name = names.sort().pop();
  if (!name) throw new Error("no libruby package known to apt (run apt-get update)");
  return name;
}
function debianRoot(): string {
  const DEBS = [libruby(), "ruby-rack"];
  const dir = join(tmpdir(), `vigil-ruby-debs-${DEBS.join("_")}`);
  if (!existsSync(join(dir, "done"))) {
    const work = `${dir}.tmp-${process.pid}`;
    rmSync(work, { recursive: true, force: true });
    mkdirSync(join(work, "root"), { recursive: true });
    execFileSync("apt-get", ["download", ...DEBS], { cwd: work, stdio: "pipe", timeout: 120_000 });
    for (const deb of readdirSync(work).filter((f) => f.endsWith(".deb"))) {
      execFileSync("dpkg-deb", ["-x", deb, "root"], { cwd: work });
      rmSync(join(work, deb));
    }
    writeFileSync(join(work, "done"), "");
    rmSync(dir, { recursive: true, force: true });
    renameSync(work, dir);
  }
  return join(dir, "root");
}

describe("ruby cataloger on Debian's Ruby", () => {
  it("every gemspec shipped in libruby (3.1 on bookworm) and ruby-rack gives the name and version its file name states", async () => {
    const root = debianRoot();
    const files = filesFromDir(root, "/", 1).filter((f) => f.path.endsWith(".gemspec"));
    const res = await runCataloger(rubyCataloger, files);
    expect(res.warnings).toEqual([]);
    expect(res.packages.length).toBe(files.length);
    expect(res.packages.length).toBeGreaterThan(80);
    for (const p of res.packages) {
      const base = posix.basename(p.locations[0]?.path ?? "", ".gemspec");
      const fromFile = `${p.name}-${p.version}${p.metadata?.platform ? `-${p.metadata.platform}` : ""}`;
      expect(fromFile).toBe(base);
    }
    expect(res.packages.find((p) => p.name === "rack")?.purl).toMatch(/^pkg:gem\/rack@\d+\.\d+\.\d+$/);
    expect(res.packages.filter((p) => p.metadata?.defaultGem === "true").length).toBeGreaterThan(50);
  }, 120_000);
});
