/**
 * Downloads feed files into the cache with conditional requests (ETag / If-Modified-Since), retries with
 * backoff on network errors, 429 and 5xx, size limits and atomic writes. `offline` never opens a socket:
 * it serves the cached copy or fails.
 */
import { createHash, randomBytes } from "node:crypto";
import { createWriteStream } from "node:fs";
import { mkdir, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { Readable, Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { ReadableStream as WebReadableStream } from "node:stream/web";
import { VigilError } from "../core/errors.js";
import { connectionFailure, isCertificateFailure, prepareTls } from "../core/extra-ca.js";
import { type Logger, silentLogger } from "../core/logger.js";
import { cacheDir } from "../core/paths.js";

export interface FetchOptions {
  /** Cache directory for downloaded feeds (default `${cacheDir()}/feeds`). */
  dir?: string;
  offline?: boolean;
  /** Attempts per request (default 4). */
  attempts?: number;
  /** First retry delay in ms, doubled each time (default 1000). */
  backoffMs?: number;
  /** Per-request timeout in ms (default 30 minutes). */
  timeoutMs?: number;
  /** Largest accepted body (default 4 GiB). */
  maxBytes?: number;
  logger?: Logger;
  /** Extra request headers (e.g. NVD `apiKey`). */
  headers?: Record<string, string>;
}

interface CacheMeta {
  url: string;
  etag?: string;
  lastModified?: string;
  fetchedAt: string;
}

export function isUrl(s: string): boolean {
  return /^https?:\/\//i.test(s);
}

function cacheName(url: string): string {
  const h = createHash("sha256").update(url).digest("hex").slice(0, 16);
  const base = (new URL(url).pathname.split("/").filter(Boolean).pop() ?? "index").replace(
    /[^A-Za-z0-9._-]/g,
    "_",
  );
  return `${h}-${base.slice(-80)}`;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function readMeta(path: string): Promise<CacheMeta | undefined> {
  try {
    return JSON.parse(await readFile(path, "utf8")) as CacheMeta;
  } catch {
    return undefined;
  }
}

async function exists(p: string): Promise<boolean> {
  try {
    await stat(p);
    return true;
  } catch {
    return false;
  }
}

/**
 * Fetches `url` into the cache and returns the local file path. A 304 answer (or `offline` with a cached
 * copy) returns the cached file. Fails with NETWORK/FEED errors naming the URL.
 */
export async function downloadToCache(
  url: string,
  opts: FetchOptions = {},
): Promise<{ path: string; fresh: boolean }> {
  const dir = opts.dir ?? join(cacheDir(), "feeds");
  const logger = opts.logger ?? silentLogger();
  const file = join(dir, cacheName(url));
  const metaPath = `${file}.meta.json`;
  const meta = (await exists(file)) ? await readMeta(metaPath) : undefined;
  if (opts.offline) {
    if (meta) return { path: file, fresh: false };
    throw new VigilError(
      "FEED",
      `${url}: offline and no cached copy (run \`vigil db update\` online once, or use a local mirror)`,
    );
  }
  await mkdir(dir, { recursive: true });
  const headers: Record<string, string> = { "user-agent": "vigil-advisory-db", ...opts.headers };
  if (meta?.etag) headers["if-none-match"] = meta.etag;
  if (meta?.lastModified) headers["if-modified-since"] = meta.lastModified;
  const res = await request(url, headers, opts);
  if (res.status === 304 && meta) {
    logger.debug(`${url}: not modified`);
    await res.body?.cancel();
    await writeFile(metaPath, JSON.stringify({ ...meta, fetchedAt: new Date().toISOString() }));
    return { path: file, fresh: false };
  }
  const tmp = `${file}.tmp-${process.pid}-${randomBytes(4).toString("hex")}`;
  try {
    await saveBody(url, res, tmp, opts.maxBytes ?? 4 * 1024 ** 3);
    await rename(tmp, file);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
  const m: CacheMeta = { url, fetchedAt: new Date().toISOString() };
  const etag = res.headers.get("etag");
  if (etag) m.etag = etag;
  const lm = res.headers.get("last-modified");
  if (lm) m.lastModified = lm;
  await writeFile(metaPath, JSON.stringify(m));
  return { path: file, fresh: true };
}

/** GET with retries; returns a 2xx or 304 response, or throws. */
export async function request(
  url: string,
  headers: Record<string, string>,
  opts: FetchOptions,
): Promise<Response> {
  const attempts = opts.attempts ?? 4;
  const logger = opts.logger ?? silentLogger();
  let delay = opts.backoffMs ?? 1000;
  let last = "";
  await prepareTls();
  for (let i = 1; i <= attempts; i++) {
    try {
      const res = await fetch(url, {
        headers,
        redirect: "follow",
        signal: AbortSignal.timeout(opts.timeoutMs ?? 1_800_000),
      });
      if (res.ok || res.status === 304) return res;
      await res.body?.cancel();
      last = `HTTP ${res.status}`;
      if (res.status !== 429 && res.status < 500) throw new VigilError("FEED", `${url}: ${last}`);
    } catch (e) {
      if (e instanceof VigilError) throw e;
      const cause = (e as { cause?: { code?: string; message?: string } }).cause;
      last = connectionFailure(cause?.code, cause?.message ?? (e as Error).message);
      if (isCertificateFailure(cause?.code)) throw new VigilError("NETWORK", `${url}: ${last}`, { cause: e });
    }
    if (i < attempts) {
      logger.debug(`${url}: ${last}; retrying in ${delay} ms`);
      await sleep(delay);
      delay *= 2;
    }
  }
  throw new VigilError("NETWORK", `${url}: ${last} (after ${attempts} attempts)`);
}

async function saveBody(url: string, res: Response, path: string, maxBytes: number): Promise<void> {
  if (!res.body) throw new VigilError("FEED", `${url}: empty response`);
  let n = 0;
  const limit = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      n += chunk.length;
      if (n > maxBytes) cb(new VigilError("LIMIT", `${url}: response larger than ${maxBytes} bytes`));
      else cb(null, chunk);
    },
  });
  try {
    await pipeline(
      Readable.fromWeb(res.body as unknown as WebReadableStream<Uint8Array>),
      limit,
      createWriteStream(path),
    );
  } catch (e) {
    if (e instanceof VigilError) throw e;
    throw new VigilError("NETWORK", `${url}: download interrupted (${(e as Error).message})`);
  }
}

/**
 * The NVD CVE API is paged: fetch every page (`startIndex`, `resultsPerPage`) into a directory of JSON files.
 * Without an API key NVD allows 5 requests per 30 s, hence the pause between pages.
 */
export async function downloadNvdApi(
  url: string,
  opts: FetchOptions & { pageSize?: number; pauseMs?: number; maxPages?: number } = {},
): Promise<string> {
  const dir = join(opts.dir ?? join(cacheDir(), "feeds"), cacheName(url));
  if (opts.offline) {
    if (await exists(join(dir, ".complete"))) return dir;
    throw new VigilError("FEED", `${url}: offline and no cached copy`);
  }
  const tmp = `${dir}.tmp-${process.pid}-${randomBytes(4).toString("hex")}`;
  await mkdir(tmp, { recursive: true });
  const pageSize = opts.pageSize ?? 2000;
  const headers: Record<string, string> = { "user-agent": "vigil-advisory-db", ...opts.headers };
  if (process.env.NVD_API_KEY) headers.apiKey = process.env.NVD_API_KEY;
  const pause = opts.pauseMs ?? (headers.apiKey ? 700 : 6500);
  try {
    let start = 0;
    let total = Number.POSITIVE_INFINITY;
    let page = 0;
    while (start < total && page < (opts.maxPages ?? 10_000)) {
      const u = new URL(url);
      u.searchParams.set("startIndex", String(start));
      u.searchParams.set("resultsPerPage", String(pageSize));
      const res = await request(u.toString(), headers, opts);
      const body = Buffer.from(await res.arrayBuffer());
      let doc: { totalResults?: number; resultsPerPage?: number };
      try {
        doc = JSON.parse(body.toString("utf8")) as typeof doc;
      } catch {
        throw new VigilError("FEED", `${u}: not JSON`);
      }
      total = typeof doc.totalResults === "number" ? doc.totalResults : 0;
      await writeFile(join(tmp, `page-${String(page).padStart(5, "0")}.json`), body);
      const got =
        typeof doc.resultsPerPage === "number" && doc.resultsPerPage > 0 ? doc.resultsPerPage : pageSize;
      start += got;
      page++;
      if (start < total) await sleep(pause);
    }
    await writeFile(join(tmp, ".complete"), new Date().toISOString());
    await rm(dir, { recursive: true, force: true });
    await rename(tmp, dir);
    return dir;
  } catch (e) {
    await rm(tmp, { recursive: true, force: true });
    throw e;
  }
}
