import { VigilError } from "../../core/errors.js";
import { connectionFailure, isCertificateFailure, prepareTls } from "../../core/extra-ca.js";

/**
 * A small HTTP layer for registry traffic on Node's own http/https: manual redirects (bounded, and the
 * Authorization header is dropped when a redirect leaves the origin), a timeout for the response head,
 * an idle timeout for bodies (slow-loris), retries with backoff on 429/5xx and connection errors, and
 * bounded reads of small documents.
 */
export interface HttpOptions {
  /** Milliseconds to wait for response headers (default 30 s). */
  headerTimeoutMs?: number;
  /** Milliseconds a body may stay silent before the transfer is aborted (default 30 s). */
  idleTimeoutMs?: number;
  /** Retries for 429, 5xx and connection failures (default 3). */
  retries?: number;
  /** Base backoff in ms (default 250, doubled each retry, capped at 5 s; Retry-After honoured up to 10 s). */
  backoffMs?: number;
  maxRedirects?: number;
}

export interface HttpRequest {
  method?: "GET" | "HEAD" | "PUT" | "POST" | "PATCH" | "DELETE";
  headers?: Record<string, string>;
  body?: Buffer | string;
}

/** A response's headers, read by name (case-insensitive; repeated headers joined with ", "). */
export interface ResponseHeaders {
  get(name: string): string | null;
}

/** A response body not read yet: read it with `readBody`, or drop it with `cancel`. */
export interface ResponseBody {
  stream: import("node:http").IncomingMessage;
  cancel(): Promise<void>;
}

export interface HttpResponse {
  status: number;
  headers: ResponseHeaders;
  url: string;
  /** Null for HEAD. The caller reads (`readBody`) or cancels it: an unread body holds its connection. */
  body: ResponseBody | null;
}

export const HTTP_DEFAULTS = {
  headerTimeoutMs: 30_000,
  idleTimeoutMs: 30_000,
  retries: 3,
  backoffMs: 250,
  maxRedirects: 5,
};

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Errors that end a request at once, without the retries that connection failures get. */
const FINAL = new WeakSet<Error>();

/** The NETWORK error of a failed connection; certificate failures are marked as not worth a retry. */
function connectionError(url: string, code: string | undefined, message: string, cause: unknown): VigilError {
  const e = new VigilError("NETWORK", `cannot reach ${redactUrl(url)}: ${connectionFailure(code, message)}`, {
    cause,
  });
  if (isCertificateFailure(code)) FINAL.add(e);
  return e;
}

/** Strips credentials from a URL before it appears in any message. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    u.username = "";
    u.password = "";
    for (const k of [...u.searchParams.keys()]) {
      if (/token|secret|password|signature|credential/i.test(k)) u.searchParams.set(k, "REDACTED");
    }
    return u.toString();
  } catch {
    return "<url>";
  }
}

/** Headers of Node's http response, behind the `get` that the callers use. */
function responseHeaders(h: import("node:http").IncomingHttpHeaders): ResponseHeaders {
  return {
    get(name) {
      const v = h[name.toLowerCase()];
      return v === undefined ? null : Array.isArray(v) ? v.join(", ") : String(v);
    },
  };
}

/**
 * One request on Node's own http/https, resolved with the response once its head arrives (the header
 * timeout applies until then). Its first use costs ~15 ms where fetch's costs ~65 ms alone, ~0.17 s in
 * a whole `vigil` command (undici is loaded on first use), which every registry command paid for its
 * first manifest.
 */
async function send(
  url: string,
  req: HttpRequest,
  o: Required<HttpOptions>,
): Promise<import("node:http").IncomingMessage> {
  const { request: httpReq } = await import("node:http");
  const { request: httpsReq } = await import("node:https");
  const extraCa = await prepareTls();
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const https = u.protocol === "https:";
    const body =
      req.body === undefined ? undefined : Buffer.isBuffer(req.body) ? req.body : Buffer.from(req.body);
    const headers: Record<string, string> = { ...(req.headers ?? {}) };
    if (body && !Object.keys(headers).some((k) => k.toLowerCase() === "content-length"))
      headers["content-length"] = String(body.length);
    const r = (https ? httpsReq : httpReq)(
      u,
      { method: req.method ?? "GET", headers, ...(extraCa && https ? { ca: extraCa.ca } : {}) },
      (res) => {
        clearTimeout(timer);
        resolve(res);
      },
    );
    const timer = setTimeout(() => {
      r.destroy(
        new VigilError(
          "NETWORK",
          `no response from ${redactUrl(url)} within ${Math.round(o.headerTimeoutMs / 1000)} s`,
        ),
      );
    }, o.headerTimeoutMs);
    r.on("error", (err) => {
      clearTimeout(timer);
      if (err instanceof VigilError) reject(err);
      else reject(connectionError(url, (err as NodeJS.ErrnoException).code, err.message, err));
    });
    r.end(body);
  });
}

/** One request, its body left to the caller (`readBody` or `cancel`); none for HEAD. */
async function once(url: string, req: HttpRequest, o: Required<HttpOptions>): Promise<HttpResponse> {
  const res = await send(url, req, o);
  const headers = responseHeaders(res.headers);
  const status = res.statusCode ?? 0;
  if (req.method === "HEAD") {
    res.resume();
    return { status, headers, url, body: null };
  }
  const cancel = async () => {
    res.destroy();
  };
  return { status, headers, url, body: { stream: res, cancel } };
}

/** What the redirect/retry driver needs to know about one response. */
interface Hop<R> {
  res: R;
  status: number;
  location?: string;
  retryAfter?: string;
  /** Drops the body (redirects, retried answers). */
  discard(): Promise<void> | void;
}

/**
 * Redirects (bounded, loops detected, `Authorization` dropped when leaving the origin) and retries with
 * backoff on 429, 5xx and connection failures, around one request function. Shared by the small
 * requests and the streaming blob GETs.
 */
async function driveRequest<R>(
  url: string,
  headers: Record<string, string>,
  o: Required<HttpOptions>,
  send: (target: string, headers: Record<string, string>) => Promise<Hop<R>>,
): Promise<R> {
  let attempt = 0;
  for (;;) {
    let current = url;
    let hdrs = { ...headers };
    const seen = new Set<string>();
    let hop: Hop<R>;
    try {
      for (let hops = 0; ; hops++) {
        hop = await send(current, hdrs);
        if (![301, 302, 303, 307, 308].includes(hop.status)) break;
        await hop.discard();
        if (!hop.location)
          throw new VigilError("REGISTRY", `redirect without a Location from ${redactUrl(current)}`);
        const next = new URL(hop.location, current).toString();
        if (seen.has(next) || hops + 1 > o.maxRedirects)
          throw new VigilError(
            "REGISTRY",
            `too many redirects (or a redirect loop) fetching ${redactUrl(url)}`,
          );
        seen.add(next);
        if (new URL(next).origin !== new URL(current).origin) {
          const { authorization: _a, Authorization: _b, ...rest } = hdrs;
          hdrs = rest;
        }
        current = next;
      }
    } catch (err) {
      if (err instanceof VigilError && err.code === "NETWORK" && !FINAL.has(err) && attempt < o.retries) {
        attempt++;
        await sleep(Math.min(o.backoffMs * 2 ** (attempt - 1), 5000));
        continue;
      }
      throw err;
    }
    if ((hop.status === 429 || hop.status >= 500) && attempt < o.retries) {
      attempt++;
      await hop.discard();
      const ra = Number(hop.retryAfter);
      const wait =
        Number.isFinite(ra) && ra > 0 ? Math.min(ra * 1000, 10_000) : o.backoffMs * 2 ** (attempt - 1);
      await sleep(Math.min(wait, 10_000));
      continue;
    }
    return hop.res;
  }
}

/** Performs a request with redirects and retries. The caller consumes or cancels `body`. */
export async function httpRequest(
  url: string,
  req: HttpRequest = {},
  opts: HttpOptions = {},
): Promise<HttpResponse> {
  const o = { ...HTTP_DEFAULTS, ...opts };
  return driveRequest(url, req.headers ?? {}, o, async (target, headers) => {
    const res = await once(target, { ...req, headers }, o);
    return {
      res,
      status: res.status,
      location: res.headers.get("location") ?? undefined,
      retryAfter: res.headers.get("retry-after") ?? undefined,
      discard: async () => {
        await res.body?.cancel();
      },
    };
  });
}

/** Reads a whole (small) body, failing once it exceeds `maxBytes` or stalls longer than the idle timeout. */
export async function readBody(
  res: HttpResponse,
  maxBytes: number,
  what: string,
  idleTimeoutMs = 30_000,
): Promise<Buffer> {
  if (!res.body) return Buffer.alloc(0);
  const body = res.body;
  const declared = Number(res.headers.get("content-length"));
  if (Number.isFinite(declared) && declared > maxBytes) {
    await body.cancel();
    throw new VigilError("LIMIT", `${what} is ${declared} bytes, over the ${maxBytes}-byte limit`);
  }
  const s = body.stream;
  if (s.destroyed) throw new VigilError("NETWORK", `${what}: the body was dropped before it was read`);
  return new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let total = 0;
    let settled = false;
    let timer: NodeJS.Timeout | undefined;
    const done = (f: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      f();
    };
    const arm = () => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        done(() =>
          reject(new VigilError("NETWORK", `${what}: transfer stalled for ${idleTimeoutMs / 1000} s`)),
        );
        s.destroy();
      }, idleTimeoutMs);
    };
    arm();
    s.on("data", (c: Buffer) => {
      if (settled) return;
      arm();
      total += c.length;
      if (total > maxBytes) {
        done(() => reject(new VigilError("LIMIT", `${what} exceeds the ${maxBytes}-byte limit`)));
        s.destroy();
        return;
      }
      chunks.push(c);
    });
    s.on("end", () => done(() => resolve(Buffer.concat(chunks))));
    s.on("error", (e) =>
      done(() => reject(e instanceof VigilError ? e : new VigilError("NETWORK", `${what}: ${e.message}`))),
    );
    s.on("close", () =>
      done(() =>
        reject(new VigilError("NETWORK", `${what}: the connection closed before the end of the body`)),
      ),
    );
  });
}

export interface StreamResponse {
  status: number;
  headers: import("node:http").IncomingHttpHeaders;
  url: string;
  /** The body; errors with NETWORK when it stays silent longer than the idle timeout. */
  stream: import("node:http").IncomingMessage;
}

/**
 * A streaming GET on Node's own http/https (much cheaper per byte than fetch's web streams, which
 * matters for layer blobs): the same redirect, retry and timeout rules as `httpRequest`.
 */
export async function httpGetStream(
  url: string,
  headers: Record<string, string>,
  opts: HttpOptions = {},
): Promise<StreamResponse> {
  const o = { ...HTTP_DEFAULTS, ...opts };
  const once1 = async (target: string, hdrs: Record<string, string>): Promise<StreamResponse> => {
    const res = await send(target, { headers: hdrs }, o);
    res.setTimeout(o.idleTimeoutMs, () =>
      res.destroy(
        new VigilError("NETWORK", `${redactUrl(target)}: transfer stalled for ${o.idleTimeoutMs / 1000} s`),
      ),
    );
    return { status: res.statusCode ?? 0, headers: res.headers, url: target, stream: res };
  };
  return driveRequest(url, headers, o, async (target, hdrs) => {
    const res = await once1(target, hdrs);
    const loc = res.headers.location;
    const ra = res.headers["retry-after"];
    return {
      res,
      status: res.status,
      ...(loc ? { location: loc } : {}),
      ...(typeof ra === "string" ? { retryAfter: ra } : {}),
      discard: () => void res.stream.resume(),
    };
  });
}
