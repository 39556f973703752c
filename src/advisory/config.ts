/**
 * Where feeds come from. Defaults are the public feeds' own download locations; every entry can be replaced
 * (mirror URL or local path) in `${XDG_CONFIG_HOME:-~/.config}/vigil/config.json`:
 *
 *   { "advisory": { "feeds": { "osv": ["https://mirror/osv/npm/all.zip", "/data/osv/"], "nvd": [] },
 *                   "snapshotUrl": "https://mirror/vigil/current.sqlite", "maxAgeDays": 7 } }
 *
 * A feed set to [] is disabled. Paths are used in place; URLs are downloaded with ETag/If-Modified-Since caching.
 */
import { readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { VigilError } from "../core/errors.js";
import { DEFAULT_MAX_AGE_DAYS } from "./store/freshness.js";

const OSV_ECOSYSTEMS = [
  "npm",
  "PyPI",
  "Maven",
  "Go",
  "crates.io",
  "RubyGems",
  "Packagist",
  "NuGet",
  "Debian",
  "Ubuntu",
  "Alpine",
  "AlmaLinux",
  "Rocky Linux",
  "Wolfi",
  "Chainguard",
];
const ALPINE_BRANCHES = ["v3.16", "v3.17", "v3.18", "v3.19", "v3.20", "v3.21", "v3.22", "edge"];

export const DEFAULT_FEEDS: Record<string, string[]> = {
  osv: OSV_ECOSYSTEMS.map(
    (e) => `https://osv-vulnerabilities.storage.googleapis.com/${encodeURIComponent(e)}/all.zip`,
  ),
  "debian-tracker": ["https://security-tracker.debian.org/tracker/data/json"],
  alpine: ALPINE_BRANCHES.flatMap((b) =>
    ["main", "community"].map((r) => `https://secdb.alpinelinux.org/${b}/${r}.json`),
  ),
  nvd: ["https://services.nvd.nist.gov/rest/json/cves/2.0"],
  kev: ["https://www.cisa.gov/sites/default/files/feeds/known_exploited_vulnerabilities.json"],
  epss: ["https://epss.empiricalsecurity.com/epss_scores-current.csv.gz"],
};

export interface AdvisoryConfig {
  feeds: Record<string, string[]>;
  snapshotUrl?: string;
  maxAgeDays: number;
}

export function configPath(): string {
  if (process.env.VIGIL_CONFIG) return process.env.VIGIL_CONFIG;
  const base = process.env.XDG_CONFIG_HOME || join(homedir(), ".config");
  return join(base, "vigil", "config.json");
}

/** Defaults overlaid with the config file's `advisory` section (missing file = defaults). */
export function loadAdvisoryConfig(path = configPath()): AdvisoryConfig {
  const cfg: AdvisoryConfig = { feeds: { ...DEFAULT_FEEDS }, maxAgeDays: DEFAULT_MAX_AGE_DAYS };
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch {
    return cfg;
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new VigilError("USAGE", `${path}: invalid JSON (${(e as Error).message})`);
  }
  const adv = (doc as { advisory?: unknown })?.advisory;
  if (adv === undefined) return cfg;
  if (typeof adv !== "object" || adv === null)
    throw new VigilError("USAGE", `${path}: "advisory" must be an object`);
  const a = adv as { feeds?: unknown; snapshotUrl?: unknown; maxAgeDays?: unknown };
  if (a.feeds !== undefined) {
    if (typeof a.feeds !== "object" || a.feeds === null)
      throw new VigilError("USAGE", `${path}: "advisory.feeds" must be an object`);
    for (const [k, v] of Object.entries(a.feeds as Record<string, unknown>)) {
      const list = typeof v === "string" ? [v] : v;
      if (!Array.isArray(list) || !list.every((x) => typeof x === "string"))
        throw new VigilError("USAGE", `${path}: "advisory.feeds.${k}" must be a string or a list of strings`);
      cfg.feeds[k] = list as string[];
    }
  }
  if (typeof a.snapshotUrl === "string") cfg.snapshotUrl = a.snapshotUrl;
  if (typeof a.maxAgeDays === "number" && a.maxAgeDays > 0) cfg.maxAgeDays = a.maxAgeDays;
  return cfg;
}
