/**
 * `vigil compare IMAGE --to OTHER` (alias `diff`): packages added, removed and changed, vulnerabilities
 * added and removed, and the per-severity delta, as `docker scout compare`.
 */
import type { Command } from "commander";
import { EXIT_VULNERABILITIES_FOUND, VigilError } from "../../core/errors.js";
import {
  addImageOptions,
  checkExclusive,
  checkFormat,
  imageOptionsFrom,
  type RawImageOptions,
} from "../options.js";
import { addVulnOptions, analyzeOptionsFrom, collectList } from "./cves.js";

interface CompareFlags extends RawImageOptions {
  to: string;
  format: string;
  output?: string;
  ignoreUnchanged?: boolean;
  onlySeverity?: string[];
  onlyPackageType?: string[];
  onlyFixed?: boolean;
  onlyUnfixed?: boolean;
  exitOn?: string[];
  exitCode?: boolean;
  vexLocation?: string[];
  vexAuthor?: string[];
  includeDistroIgnored?: boolean;
  db?: string;
  requireFreshDb?: boolean;
  cache?: boolean;
}

const FORMATS = ["text", "markdown", "json"];

export function register(program: Command): void {
  const cmd = program
    .command("compare")
    .alias("diff")
    .description("Compare two images and display differences (packages, vulnerabilities)")
    .argument("<image>", "the analyzed image: a reference, oci-dir://, archive://, fs:// or sbom://")
    .requiredOption("--to <image>", "the image to compare to")
    .option("--format <format>", `output format: ${FORMATS.join(", ")}`, "text")
    .option("-o, --output <file>", "write the comparison to a file")
    .option("--ignore-unchanged", "leave out packages that did not change")
    .option("--only-severity <list>", "critical, high, medium, low, unspecified", collectList)
    .option("--only-package-type <list>", "package types: deb, apk, rpm, npm, pypi …", collectList)
    .option("--only-fixed", "only vulnerabilities with a fix")
    .option("--only-unfixed", "only vulnerabilities without a fix")
    .option(
      "-x, --exit-on <list>",
      `exit ${EXIT_VULNERABILITIES_FOUND} when the analyzed image is worse or changed: vulnerability, package`,
      collectList,
    )
    .option(
      "-e, --exit-code",
      `exit ${EXIT_VULNERABILITIES_FOUND} when vulnerabilities were added (same as --exit-on vulnerability)`,
    );
  addImageOptions(addVulnOptions(cmd)).action(async (image: string, flags: CompareFlags) => {
    await runCompare(image, flags);
  });
}

async function runCompare(image: string, flags: CompareFlags): Promise<void> {
  checkFormat(flags.format, FORMATS);
  checkExclusive(flags.onlyFixed, "--only-fixed", flags.onlyUnfixed, "--only-unfixed");
  const exitOn = [...(flags.exitOn ?? []), ...(flags.exitCode ? ["vulnerability"] : [])];
  for (const c of exitOn) {
    if (c === "policy") throw new VigilError("USAGE", "--exit-on policy: Vigil has no policy evaluation");
    if (c !== "vulnerability" && c !== "package")
      throw new VigilError(
        "USAGE",
        `--exit-on: unknown condition "${c}" (expected vulnerability or package)`,
      );
  }
  const { parseSeverityList } = await import("../../match/severity.js");
  let severities: ReturnType<typeof parseSeverityList> | undefined;
  try {
    severities = flags.onlySeverity?.length ? parseSeverityList(flags.onlySeverity.join(",")) : undefined;
  } catch (e) {
    throw new VigilError("USAGE", `--only-severity: ${(e as Error).message}`);
  }
  const common = imageOptionsFrom(flags);
  const { logger } = common;
  const { analyzeImage } = await import("../../match/analyze.js");
  const analyze = (ref: string) => analyzeImage(ref, analyzeOptionsFrom(flags, common));
  const a = await analyze(image);
  const b = await analyze(flags.to);
  for (const w of [...new Set([...a.warnings, ...b.warnings])]) logger.warn(w);
  const { filterFindings } = await import("../../match/filter.js");
  const filters = {
    ...(severities ? { severities } : {}),
    ...(flags.onlyPackageType?.length ? { packageTypes: flags.onlyPackageType } : {}),
    ...(flags.onlyFixed ? { onlyFixed: true } : {}),
    ...(flags.onlyUnfixed ? { onlyUnfixed: true } : {}),
  };
  const { comparePair, exitOnTriggered } = await import("../../compare/compare.js");
  const result = comparePair(
    { sbom: a.sbom, findings: filterFindings(a.findings, filters) },
    { sbom: b.sbom, findings: filterFindings(b.findings, filters) },
  );
  const r = await import("../../report/compare.js");
  const o = { ignoreUnchanged: flags.ignoreUnchanged === true };
  const text =
    flags.format === "json"
      ? r.renderCompareJson(result, o)
      : flags.format === "markdown"
        ? r.renderCompareMarkdown(result, o)
        : r.renderCompareText(result, o);
  const { writeOutput } = await import("../output.js");
  await writeOutput(text, flags.output, logger);
  const hit = exitOnTriggered(result, exitOn as ("vulnerability" | "package")[]);
  if (hit.length > 0) {
    logger.warn(`the analyzed image is worse or changed: ${hit.join(", ")}`);
    const { setExitCode } = await import("../run.js");
    setExitCode(EXIT_VULNERABILITIES_FOUND);
  }
}
