/**
 * `vigil cves [OPTIONS] IMAGE`: the full vulnerability report of an image, with Docker Scout's flags
 * (`docker scout cves`). Thin: parse flags → analyzeImage → filters → render.
 */
import type { Command } from "commander";
import { EXIT_VULNERABILITIES_FOUND, VigilError } from "../../core/errors.js";
import type { DisplaySeverity } from "../../match/types.js";
import {
  addImageOptions,
  checkExclusive,
  checkFormat,
  imageOptionsFrom,
  type RawImageOptions,
  sourceOptionsFrom,
} from "../options.js";

export interface CvesFlags extends RawImageOptions {
  format: string;
  output?: string;
  details?: boolean;
  locations?: boolean;
  epss?: boolean;
  epssScore?: string;
  epssPercentile?: string;
  onlySeverity?: string[];
  onlyPackageType?: string[];
  onlyPackage?: string[];
  onlyCveId?: string[];
  onlyMetric?: string[];
  onlyFixed?: boolean;
  onlyUnfixed?: boolean;
  onlyCisaKev?: boolean;
  onlyVulnPackages?: boolean;
  ignoreBase?: boolean;
  onlyBase?: boolean;
  exitCode?: boolean;
  vexLocation?: string[];
  vexAuthor?: string[];
  showSuppressed?: boolean;
  includeDistroIgnored?: boolean;
  db?: string;
  requireFreshDb?: boolean;
  cache?: boolean;
}

export const CVES_FORMAT_NAMES = ["packages", "only-packages", "sarif", "markdown", "json", "gitlab", "sbom"];

/** commander collector for repeatable, comma-separated list flags. */
export function collectList(value: string, previous: string[] | undefined): string[] {
  return [
    ...(previous ?? []),
    ...value
      .split(",")
      .map((s) => s.trim())
      .filter(Boolean),
  ];
}

function parseUnit(text: string | undefined, flag: string): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!/^\s*\d*(\.\d+)?\s*$/.test(text) || !Number.isFinite(n) || n < 0 || n > 1)
    throw new VigilError("USAGE", `${flag}: expected a number between 0 and 1, got "${text}"`);
  return n;
}

export function regexes(list: string[] | undefined, flag: string): RegExp[] | undefined {
  if (!list?.length) return undefined;
  return list.map((s) => {
    if (s.length > 500) throw new VigilError("USAGE", `${flag}: expression too long`);
    try {
      return new RegExp(s);
    } catch (e) {
      throw new VigilError("USAGE", `${flag}: invalid regular expression "${s}": ${(e as Error).message}`);
    }
  });
}

/** Shared by cves and quickview: the VEX/DB flags. */
export function addVulnOptions(cmd: Command): Command {
  return cmd
    .option(
      "--vex-location <path>",
      "file or directory of OpenVEX documents (repeatable, comma-separated)",
      collectList,
    )
    .option(
      "--vex-author <regex>",
      "only accept VEX statements whose author matches (repeatable)",
      collectList,
    )
    .option("--include-distro-ignored", "also report what the distro marks not affected / unimportant")
    .option("--db <path>", "advisory snapshot to use (default: the current `vigil db` snapshot)")
    .option("--require-fresh-db", "fail when the advisory snapshot is older than 7 days")
    .option("--no-cache", "neither read nor write the SBOM and layer caches");
}

/** The flags `addVulnOptions` declares, as commander hands them to the action. */
export interface VulnFlags {
  vexLocation?: string[];
  vexAuthor?: string[];
  includeDistroIgnored?: boolean;
  db?: string;
  requireFreshDb?: boolean;
  cache?: boolean;
}

/** `analyzeImage` options from the shared image flags and the VEX/DB flags (cves, quickview, compare). */
export function analyzeOptionsFrom(
  flags: VulnFlags,
  common: ReturnType<typeof imageOptionsFrom>,
): import("../../match/analyze.js").AnalyzeOptions {
  return {
    ...sourceOptionsFrom(common, flags),
    requireFreshDb: flags.requireFreshDb === true,
    includeDistroIgnored: flags.includeDistroIgnored === true,
    vexLocations: flags.vexLocation ?? [],
    ...(flags.vexAuthor?.length ? { vexAuthors: regexes(flags.vexAuthor, "--vex-author")! } : {}),
  };
}

export function register(program: Command): void {
  const cmd = program
    .command("cves")
    .description("Display CVEs identified in an image")
    .argument(
      "<image>",
      "an image (NAME[:TAG], image://, local://, registry://), oci-dir://DIR, archive://FILE.tar, fs://DIR, sbom://FILE, or a path",
    )
    .option("--format <format>", `output format: ${CVES_FORMAT_NAMES.join(", ")}`, "packages")
    .option("-o, --output <file>", "write the report to a file")
    .option("--details", "print vulnerability descriptions in the packages output")
    .option("--locations", "print package locations (file paths and layer diff_ids)")
    .option("--epss", "show EPSS scores and order each package's CVEs by them")
    .option("--epss-score <score>", "exclude CVEs with an EPSS score below this (0 to 1)")
    .option("--epss-percentile <p>", "exclude CVEs with an EPSS percentile below this (0 to 1)")
    .option(
      "--only-severity <list>",
      "critical, high, medium, low, unspecified (comma-separated)",
      collectList,
    )
    .option(
      "--only-package-type <list>",
      "package types: apk, deb, rpm, npm, pypi, golang, maven …",
      collectList,
    )
    .option("--only-package <regex>", "regular expressions matched against package names", collectList)
    .option("--only-cve-id <list>", "only these vulnerability ids (CVE or alias)", collectList)
    .option("--only-metric <list>", "CVSS vector metrics all present, like AV:N,PR:N", collectList)
    .option("--only-fixed", "only vulnerabilities with a fix")
    .option("--only-unfixed", "only vulnerabilities without a fix")
    .option("--only-cisa-kev", "only vulnerabilities in CISA's KEV catalog")
    .option("--only-vuln-packages", "with --format only-packages: leave out packages without vulnerabilities")
    .option("--ignore-base", "filter out vulnerabilities from the base image's layers")
    .option("--only-base", "only vulnerabilities from the base image's layers")
    .option("--show-suppressed", "show vulnerabilities suppressed by VEX (marked SUPPRESSED)")
    .option(
      "-e, --exit-code",
      `exit ${EXIT_VULNERABILITIES_FOUND} when vulnerabilities remain after filters and VEX`,
    );
  addImageOptions(addVulnOptions(cmd)).action(async (image: string, flags: CvesFlags) => {
    await runCves(image, flags);
  });
}

export async function runCves(image: string, flags: CvesFlags): Promise<void> {
  checkFormat(flags.format, CVES_FORMAT_NAMES);
  checkExclusive(flags.onlyFixed, "--only-fixed", flags.onlyUnfixed, "--only-unfixed");
  checkExclusive(flags.ignoreBase, "--ignore-base", flags.onlyBase, "--only-base");
  const { parseSeverityList } = await import("../../match/severity.js");
  let severities: DisplaySeverity[] | undefined;
  try {
    severities = flags.onlySeverity?.length ? parseSeverityList(flags.onlySeverity.join(",")) : undefined;
  } catch (e) {
    throw new VigilError("USAGE", `--only-severity: ${(e as Error).message}`);
  }
  const epssScore = parseUnit(flags.epssScore, "--epss-score");
  const epssPercentile = parseUnit(flags.epssPercentile, "--epss-percentile");
  const common = imageOptionsFrom(flags);
  const { logger } = common;
  const { analyzeImage } = await import("../../match/analyze.js");
  const analysis = await analyzeImage(image, analyzeOptionsFrom(flags, common));
  for (const w of analysis.warnings) logger.warn(w);
  let findings = analysis.findings;
  {
    // Every scanned image joins the base-image index; --ignore-base/--only-base split by the base's layers.
    const { BaseImageIndex } = await import("../../baseimage/store.js");
    const { recordKnownImage } = await import("../../baseimage/record.js");
    const index = BaseImageIndex.open();
    try {
      recordKnownImage(index, analysis.sbom, logger);
      if (flags.ignoreBase || flags.onlyBase) {
        const { detectForImage } = await import("../../baseimage/resolve.js");
        const { splitByBase } = await import("../../baseimage/summary-rows.js");
        const base = await detectForImage(analysis.sbom, { ...sourceOptionsFrom(common, flags), index });
        const flag = flags.ignoreBase ? "--ignore-base" : "--only-base";
        if (!base || base.layerCount === undefined)
          throw new VigilError(
            "NOT_FOUND",
            `${flag}: ${base ? `the layers of base image ${base.reference} are unknown (cannot reach it to compare layers)` : "no base image detected (no provenance, no base annotation, no known layer prefix; add one with `vigil base index`)"}`,
          );
        logger.progress(
          `Base image ${base.reference} (${base.method}): ${base.layerCount} of ${analysis.sbom.image.layers.length} layers`,
        );
        const split = splitByBase(findings, base.layerCount);
        findings = flags.ignoreBase ? split.own : split.base;
      }
    } finally {
      index.close();
    }
  }
  const { buildReport, CVES_FORMATS, detectedLine } = await import("../../report/index.js");
  const { vigilVersion } = await import("../../core/version.js");
  const report = buildReport({
    sbom: analysis.sbom,
    findings,
    filters: {
      ...(severities ? { severities } : {}),
      ...(flags.onlyPackageType?.length ? { packageTypes: flags.onlyPackageType } : {}),
      ...(flags.onlyPackage?.length ? { packages: regexes(flags.onlyPackage, "--only-package")! } : {}),
      ...(flags.onlyCveId?.length ? { cveIds: flags.onlyCveId } : {}),
      ...(flags.onlyMetric?.length ? { metrics: flags.onlyMetric } : {}),
      onlyFixed: flags.onlyFixed === true,
      onlyUnfixed: flags.onlyUnfixed === true,
      onlyKev: flags.onlyCisaKev === true,
      ...(epssScore !== undefined ? { epssScore } : {}),
      ...(epssPercentile !== undefined ? { epssPercentile } : {}),
      showSuppressed: flags.showSuppressed === true,
    },
    toolVersion: vigilVersion(),
    snapshot: { builtAt: analysis.snapshot.builtAt, contentHash: analysis.snapshot.contentHash },
    warnings: [...logger.warnings],
    byEpss: flags.epss === true,
  });
  const line = detectedLine(report);
  if (!common.quiet) process.stderr.write(`    ${line}\n`);
  const text = CVES_FORMATS[flags.format as keyof typeof CVES_FORMATS](report, {
    details: flags.details === true,
    locations: flags.locations === true,
    epss: flags.epss === true,
    onlyVulnPackages: flags.onlyVulnPackages === true,
  });
  if (flags.output) {
    const { writeFileAtomic } = await import("../../sbom/cache.js");
    try {
      await writeFileAtomic(flags.output, text);
    } catch (e) {
      throw new VigilError("NOT_FOUND", `cannot write ${flags.output}: ${(e as Error).message}`);
    }
    logger.progress(`Report written to ${flags.output}`);
  } else {
    process.stdout.write(text);
  }
  if (
    flags.exitCode &&
    report.counts.critical +
      report.counts.high +
      report.counts.medium +
      report.counts.low +
      report.counts.unspecified >
      0
  ) {
    const { setExitCode } = await import("../run.js");
    setExitCode(EXIT_VULNERABILITIES_FOUND);
  }
}
