/**
 * `vigil db update`: replace the current snapshot with a newer one, atomically.
 * Either fetch a ready-made snapshot (URL or file), or rebuild from the configured feeds (URLs downloaded
 * with caching, local paths used in place). The candidate is verified (schema, SQLite integrity check,
 * content hash) before a rename swaps it in; any failure leaves the current snapshot untouched.
 */
import { randomBytes } from "node:crypto";
import { copyFileSync, mkdirSync, readdirSync, renameSync, rmSync, statSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { VigilError } from "../core/errors.js";
import { type Logger, silentLogger } from "../core/logger.js";
import { type AdvisoryConfig, loadAdvisoryConfig } from "./config.js";
import { downloadNvdApi, downloadToCache, type FetchOptions, isUrl } from "./fetch.js";
import { artifactReference } from "./oci-artifact.js";
import { buildSnapshot, type FeedSource } from "./store/build.js";
import { openSnapshot } from "./store/open.js";
import type { SnapshotManifest } from "./types.js";

export interface UpdateOptions {
  target: string;
  /** A snapshot to install (URL, file, or `oci://REF` in a registry). When absent, rebuild from feeds. */
  from?: string;
  /** Registry access for `oci://` sources. */
  registry?: import("../image/types.js").RegistryAccess;
  offline?: boolean;
  config?: AdvisoryConfig;
  /** Explicit feed sources (`feed=URL|PATH` or URL/PATH) instead of the configured ones. */
  sources?: string[];
  logger?: Logger;
  fetch?: FetchOptions;
}

export interface UpdateResult {
  manifest: SnapshotManifest;
  /** False when the new snapshot has the same content hash as the old one (nothing swapped). */
  changed: boolean;
  previousHash?: string;
}

/** Removes temp files a crashed update left next to the target. */
function cleanStale(target: string): void {
  const dir = dirname(target);
  const base = basename(target);
  let names: string[] = [];
  try {
    names = readdirSync(dir);
  } catch {
    return;
  }
  for (const n of names)
    if (n.startsWith(`${base}.`) && /\.(tmp|new)-\d+-[0-9a-f]+/.test(n)) {
      try {
        if (Date.now() - statSync(join(dir, n)).mtimeMs > 60_000) rmSync(join(dir, n), { force: true });
      } catch {
        /* raced with another cleaner */
      }
    }
}

function currentHash(target: string): string | undefined {
  try {
    const s = openSnapshot(target);
    const h = s.manifest.contentHash;
    s.close();
    return h;
  } catch {
    return undefined;
  }
}

/** Verifies a candidate snapshot file; throws ADVISORY_DB when it is not a sound snapshot. */
export function verifySnapshotFile(path: string): SnapshotManifest {
  const s = openSnapshot(path);
  try {
    s.verify();
    return s.manifest;
  } finally {
    s.close();
  }
}

/** Resolves configured feed entries to local build sources, downloading URLs. */
export async function resolveFeedSources(
  specs: { feed?: string; location: string }[],
  opts: { offline?: boolean; logger?: Logger; fetch?: FetchOptions },
): Promise<FeedSource[]> {
  const out: FeedSource[] = [];
  const logger = opts.logger ?? silentLogger();
  for (const s of specs) {
    if (!isUrl(s.location)) {
      out.push({ path: s.location, feed: s.feed });
      continue;
    }
    const fo = { ...opts.fetch, offline: opts.offline, logger };
    if (/\/rest\/json\/cves\/2\.0\/?$/.test(new URL(s.location).pathname)) {
      const dir = await downloadNvdApi(s.location, fo);
      out.push({ path: dir, feed: s.feed ?? "nvd", label: s.location });
    } else {
      const { path, fresh } = await downloadToCache(s.location, fo);
      logger.debug(`${s.location}: ${fresh ? "downloaded" : "cached copy"}`);
      out.push({ path, feed: s.feed, label: s.location });
    }
  }
  return out;
}

export async function updateSnapshot(opts: UpdateOptions): Promise<UpdateResult> {
  const logger = opts.logger ?? silentLogger();
  mkdirSync(dirname(opts.target), { recursive: true });
  cleanStale(opts.target);
  const previousHash = currentHash(opts.target);
  const candidate = `${opts.target}.new-${process.pid}-${randomBytes(4).toString("hex")}`;
  try {
    let manifest: SnapshotManifest;
    if (opts.from) {
      if (isUrl(opts.from)) {
        if (opts.offline) throw new VigilError("USAGE", "--offline cannot download a snapshot from a URL");
        const { path } = await downloadToCache(opts.from, { ...opts.fetch, logger });
        copyFileSync(path, candidate);
      } else if (artifactReference(opts.from)) {
        if (opts.offline) throw new VigilError("USAGE", "--offline cannot pull a snapshot from a registry");
        const { pullSnapshotArtifact } = await import("./oci-artifact.js");
        await pullSnapshotArtifact(artifactReference(opts.from)!, candidate, {
          logger,
          ...(opts.registry ? { registry: opts.registry } : {}),
        });
      } else {
        try {
          copyFileSync(opts.from, candidate);
        } catch (e) {
          throw new VigilError("NOT_FOUND", `cannot read snapshot ${opts.from} (${(e as Error).message})`);
        }
      }
      manifest = verifySnapshotFile(candidate);
    } else {
      const cfg = opts.config ?? loadAdvisoryConfig();
      const specs = opts.sources
        ? opts.sources.map((s) => {
            const m = /^([a-z][a-z0-9-]*)=(.+)$/.exec(s);
            return m ? { feed: m[1], location: m[2]! } : { location: s };
          })
        : Object.entries(cfg.feeds).flatMap(([feed, list]) => list.map((location) => ({ feed, location })));
      if (specs.length === 0) throw new VigilError("USAGE", "no feed sources configured");
      const sources = await resolveFeedSources(specs, { offline: opts.offline, logger, fetch: opts.fetch });
      await buildSnapshot({ sources, out: candidate, logger });
      manifest = verifySnapshotFile(candidate);
    }
    if (previousHash && previousHash === manifest.contentHash) {
      rmSync(candidate, { force: true });
      logger.progress("advisory database is up to date");
      return { manifest, changed: false, previousHash };
    }
    renameSync(candidate, opts.target);
    logger.progress(`advisory database updated (${manifest.contentHash.slice(0, 19)}…)`);
    return { manifest, changed: true, previousHash };
  } catch (e) {
    rmSync(candidate, { force: true });
    throw e;
  }
}
