/**
 * Gemfile.lock (and gems.locked): the `specs:` of the GEM and GIT sections. PATH sections are the
 * project's own local gems and are left out, like an npm project's root package.json.
 * A locked version may carry a platform suffix ("nokogiri (1.13.6-x86_64-linux)").
 */

export interface LockedGem {
  name: string;
  version: string;
  platform?: string;
  source: "GEM" | "GIT";
}

const KNOWN_PLATFORM_PREFIXES = [
  "x86",
  "x64",
  "aarch64",
  "arm",
  "java",
  "universal",
  "mswin",
  "mingw",
  "i386",
  "i686",
  "ppc",
  "s390",
];

/** Split "1.13.6-x86_64-linux" into version and platform; "1.0.0-rc1" stays a version. */
export function splitPlatform(v: string): { version: string; platform?: string } {
  const dash = v.indexOf("-");
  if (dash < 0) return { version: v };
  const rest = v.slice(dash + 1);
  if (KNOWN_PLATFORM_PREFIXES.some((p) => rest.startsWith(p)))
    return { version: v.slice(0, dash), platform: rest };
  return { version: v };
}

export function parseGemfileLock(text: string): { gems: LockedGem[]; warnings: string[] } {
  const gems: LockedGem[] = [];
  const warnings: string[] = [];
  let section = "";
  let inSpecs = false;
  let lineNo = 0;
  for (const raw of text.split("\n")) {
    lineNo++;
    const line = raw.endsWith("\r") ? raw.slice(0, -1) : raw;
    if (line.length === 0) {
      inSpecs = false;
      continue;
    }
    if (line[0] !== " ") {
      section = line.trim();
      inSpecs = false;
      continue;
    }
    if (line === "  specs:") {
      inSpecs = true;
      continue;
    }
    if (!inSpecs || (section !== "GEM" && section !== "GIT")) continue;
    // exactly four spaces: a locked gem; six: one of its dependencies
    if (!line.startsWith("    ") || line[4] === " ") continue;
    const entry = line.slice(4);
    const open = entry.indexOf(" (");
    if (open <= 0 || !entry.endsWith(")") || entry.length > 512) {
      warnings.push(`line ${lineNo}: not a "name (version)" entry; skipped`);
      continue;
    }
    const name = entry.slice(0, open);
    const { version, platform } = splitPlatform(entry.slice(open + 2, -1));
    const gem: LockedGem = { name, version, source: section === "GEM" ? "GEM" : "GIT" };
    if (platform) gem.platform = platform;
    gems.push(gem);
  }
  return { gems, warnings };
}
