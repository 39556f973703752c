/**
 * Option helpers shared by every command that takes an image: `--platform`, the image limits
 * (`--max-image-size`, `--max-file-size`, `--max-ratio`, `--max-entries`), `--quiet` and `--verbose`.
 * A command calls `addImageOptions(cmd)` when it declares itself and `imageOptionsFrom(opts)` in its action.
 */
import { readFileSync } from "node:fs";
import type { Command } from "commander";
import { VigilError } from "../core/errors.js";
import { createLogger, type Logger } from "../core/logger.js";
import { DEFAULT_LIMITS, type ImageLimits, type RegistryAccess } from "../image/types.js";

/** The options `addImageOptions` declares, as commander hands them to the action. */
export interface RawImageOptions {
  platform?: string;
  maxImageSize?: string;
  maxFileSize?: string;
  maxRatio?: string;
  maxEntries?: string;
  quiet?: boolean;
  verbose?: boolean;
  username?: string;
  passwordStdin?: boolean;
  insecureRegistry?: string[];
}

/** What an image-taking command needs after parsing its shared flags. */
export interface ImageCommandOptions {
  platform?: string;
  limits: ImageLimits;
  quiet: boolean;
  verbose: boolean;
  logger: Logger;
  /** Registry credentials and insecure hosts from the flags (env and docker config are read later). */
  registry?: RegistryAccess;
}

const UNITS: Record<string, number> = {
  "": 1,
  b: 1,
  k: 1000,
  kb: 1000,
  kib: 1024,
  m: 1000 ** 2,
  mb: 1000 ** 2,
  mib: 1024 ** 2,
  g: 1000 ** 3,
  gb: 1000 ** 3,
  gib: 1024 ** 3,
  t: 1000 ** 4,
  tb: 1000 ** 4,
  tib: 1024 ** 4,
};

/** Parse a byte size: `1048576`, `512MB`, `3GB`, `1.5GiB`, `64m` (decimal units; `i` units binary). */
export function parseSize(text: string, flag: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*$/.exec(text);
  const unit = m ? UNITS[m[2]!.toLowerCase()] : undefined;
  if (!m || unit === undefined) {
    throw new VigilError("USAGE", `${flag}: invalid size "${text}" (examples: 500MB, 3GB, 1GiB, 1048576)`);
  }
  const value = Math.round(Number(m[1]) * unit);
  if (!Number.isFinite(value) || value <= 0) throw new VigilError("USAGE", `${flag}: size must be positive`);
  return value;
}

/** Parse a positive integer (entry counts). */
export function parsePositiveInt(text: string, flag: string): number {
  if (!/^\s*\d+\s*$/.test(text) || Number(text) <= 0 || !Number.isSafeInteger(Number(text))) {
    throw new VigilError("USAGE", `${flag}: expected a positive integer, got "${text}"`);
  }
  return Number(text);
}

/** Parse a positive number (ratios). */
export function parsePositiveNumber(text: string, flag: string): number {
  const n = Number(text);
  if (!/^\s*\d+(\.\d+)?\s*$/.test(text) || !(n > 0)) {
    throw new VigilError("USAGE", `${flag}: expected a positive number, got "${text}"`);
  }
  return n;
}

/** `os/arch[/variant]`, each part a lower-case word. */
export function parsePlatform(text: string): string {
  if (!/^[a-z0-9_.-]+\/[a-z0-9_.-]+(\/[a-z0-9_.-]+)?$/i.test(text)) {
    throw new VigilError("USAGE", `--platform: expected os/arch[/variant] (e.g. linux/amd64), got "${text}"`);
  }
  return text.toLowerCase();
}

/** Declare the shared image flags on a command. */
export function addImageOptions(cmd: Command): Command {
  return cmd
    .option(
      "--platform <platform>",
      "platform of the image to analyse (os/arch[/variant], default linux/amd64)",
    )
    .option("--max-image-size <size>", "refuse images larger than this, uncompressed (default 3GB)")
    .option("--max-file-size <size>", "largest file a cataloger reads (default 64MiB)")
    .option(
      "--max-ratio <n>",
      "largest decompression ratio of a layer before it counts as a bomb (default 200)",
    )
    .option("--max-entries <n>", "most tar entries read from an image (default 2000000)")
    .option("--username <user>", "registry user name (with --password-stdin; else env or docker login)")
    .option("--password-stdin", "read the registry password or token from standard input")
    .option(
      "--insecure-registry <host>",
      "allow plain HTTP to this registry host[:port] (repeatable; loopback is always allowed)",
      (v: string, prev: string[] | undefined) => [...(prev ?? []), v],
    )
    .option("-q, --quiet", "print no progress or warnings on stderr")
    .option("--verbose", "print debug detail on stderr");
}

/** Limits from the flags, defaults where a flag is absent. */
export function limitsFrom(opts: RawImageOptions): ImageLimits {
  return {
    maxImageSize:
      opts.maxImageSize !== undefined
        ? parseSize(opts.maxImageSize, "--max-image-size")
        : DEFAULT_LIMITS.maxImageSize,
    maxFileSize:
      opts.maxFileSize !== undefined
        ? parseSize(opts.maxFileSize, "--max-file-size")
        : DEFAULT_LIMITS.maxFileSize,
    maxCompressionRatio:
      opts.maxRatio !== undefined
        ? parsePositiveNumber(opts.maxRatio, "--max-ratio")
        : DEFAULT_LIMITS.maxCompressionRatio,
    maxEntries:
      opts.maxEntries !== undefined
        ? parsePositiveInt(opts.maxEntries, "--max-entries")
        : DEFAULT_LIMITS.maxEntries,
  };
}

/** Parse the shared flags of an image-taking command (throws VigilError USAGE on a bad value). */
export function imageOptionsFrom(opts: RawImageOptions, stream?: NodeJS.WritableStream): ImageCommandOptions {
  const quiet = opts.quiet === true;
  const verbose = opts.verbose === true;
  return {
    platform: opts.platform !== undefined ? parsePlatform(opts.platform) : undefined,
    limits: limitsFrom(opts),
    quiet,
    verbose,
    logger: createLogger({ quiet, verbose: verbose || undefined, stream }),
    ...registryAccessFrom(opts),
  };
}

/** `--username`, `--password-stdin` (read once, synchronously, trailing newline dropped), `--insecure-registry`. */
export function registryAccessFrom(opts: RawImageOptions): { registry?: RegistryAccess } {
  if (opts.passwordStdin && opts.username === undefined)
    throw new VigilError("USAGE", "--password-stdin needs --username");
  const access: RegistryAccess = {};
  if (opts.username !== undefined) {
    access.username = opts.username;
    if (opts.passwordStdin) {
      let pw: string;
      try {
        pw = readFileSync(0, "utf8");
      } catch (e) {
        throw new VigilError(
          "USAGE",
          `--password-stdin: cannot read standard input (${(e as Error).message})`,
        );
      }
      access.password = pw.replace(/\r?\n$/, "");
      if (!access.password) throw new VigilError("USAGE", "--password-stdin: standard input was empty");
    } else {
      throw new VigilError(
        "USAGE",
        "--username needs --password-stdin (or set VIGIL_REGISTRY_USER/VIGIL_REGISTRY_PASSWORD)",
      );
    }
  }
  if (opts.insecureRegistry?.length) access.insecureRegistries = opts.insecureRegistry;
  return Object.keys(access).length > 0 ? { registry: access } : {};
}

/**
 * What a command passes on to everything that opens or analyses images for it (the image itself, base
 * images, candidate tags): platform, limits, logger, registry access, `--db` and `--no-cache`.
 */
export function sourceOptionsFrom(
  common: ImageCommandOptions,
  flags: { db?: string; cache?: boolean },
): {
  platform?: string;
  limits: ImageLimits;
  logger: Logger;
  db?: string;
  registry?: RegistryAccess;
  cache: boolean;
} {
  return {
    platform: common.platform,
    limits: common.limits,
    logger: common.logger,
    ...(flags.db ? { db: flags.db } : {}),
    ...(common.registry ? { registry: common.registry } : {}),
    cache: flags.cache !== false,
  };
}

/** USAGE error unless `--format` is one of `allowed`. */
export function checkFormat(format: string, allowed: readonly string[]): void {
  if (!allowed.includes(format))
    throw new VigilError("USAGE", `--format: unknown format "${format}" (expected ${allowed.join(", ")})`);
}

/** USAGE error when two flags that exclude each other are both given. */
export function checkExclusive(a: unknown, aFlag: string, b: unknown, bFlag: string): void {
  if (a && b) throw new VigilError("USAGE", `${aFlag} and ${bFlag} exclude each other`);
}
