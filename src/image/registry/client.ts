import type { Readable } from "node:stream";
import { VigilError } from "../../core/errors.js";
import { prepareTls } from "../../core/extra-ca.js";
import type { Logger } from "../../core/logger.js";
import { sha256 as sha256Digest, verifyDigest } from "../image-config.js";
import type { LayerDownload } from "../types.js";
import { Authenticator, isLoopbackHost } from "./auth.js";
import type { Credentials } from "./credentials.js";
import {
  HTTP_DEFAULTS,
  type HttpOptions,
  type HttpResponse,
  httpGetStream,
  httpRequest,
  readBody,
  redactUrl,
} from "./http.js";

export const MEDIA_TYPES = {
  dockerManifest: "application/vnd.docker.distribution.manifest.v2+json",
  dockerList: "application/vnd.docker.distribution.manifest.list.v2+json",
  ociManifest: "application/vnd.oci.image.manifest.v1+json",
  ociIndex: "application/vnd.oci.image.index.v1+json",
} as const;

const MANIFEST_ACCEPT = [
  MEDIA_TYPES.ociIndex,
  MEDIA_TYPES.dockerList,
  MEDIA_TYPES.ociManifest,
  MEDIA_TYPES.dockerManifest,
].join(", ");

/** Manifests larger than this are refused (distribution itself caps them at 4 MiB). */
export const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;

export interface RegistryClientOptions {
  credentials?: Credentials;
  /** Allow plain HTTP for this host even though it is not loopback. */
  insecure?: boolean;
  http?: HttpOptions;
  logger?: Logger;
}

export interface FetchedManifest {
  digest: string;
  mediaType: string;
  bytes: Buffer;
  json: unknown;
}

/**
 * A client of the OCI distribution API for one registry host: manifests (Docker schema 2, OCI manifest,
 * index / manifest list), blobs streamed, HEAD for digests, tag listing with pagination. Every manifest
 * is verified against its digest; blobs are verified by the layer walk as they stream (or here for the
 * small blobs read whole). Plain HTTP is used only for loopback hosts and hosts marked insecure.
 */
export class RegistryClient {
  readonly baseUrl: string;
  private readonly auth: Authenticator;

  constructor(
    readonly host: string,
    private readonly opts: RegistryClientOptions = {},
  ) {
    const hostname = host.replace(/:\d+$/, "");
    const plain = opts.insecure || isLoopbackHost(hostname);
    this.baseUrl = `${plain ? "http" : "https"}://${host}/v2/`;
    this.auth = new Authenticator(host, opts.credentials, opts.http);
  }

  private async call(
    path: string,
    scope: string,
    init: {
      method?: "GET" | "HEAD" | "PUT" | "POST" | "PATCH";
      headers?: Record<string, string>;
      body?: Buffer;
    },
  ): Promise<HttpResponse> {
    const url = path.startsWith("http") ? path : this.baseUrl + path;
    const headers = { ...(init.headers ?? {}) };
    const known = this.auth.headerFor(scope);
    if (known) headers.authorization = known;
    let res = await httpRequest(url, { ...init, headers }, this.opts.http);
    if (res.status === 401) {
      await res.body?.cancel().catch(() => {});
      headers.authorization = await this.auth.answer(res.headers.get("www-authenticate"), scope);
      res = await httpRequest(url, { ...init, headers }, this.opts.http);
      if (res.status === 401) {
        await res.body?.cancel().catch(() => {});
        const who = this.opts.credentials?.username ? ` as "${this.opts.credentials.username}"` : "";
        throw new VigilError("AUTH", `registry ${this.host} refused the credentials${who}`);
      }
    }
    return res;
  }

  private async fail(res: HttpResponse, what: string): Promise<never> {
    let detail = "";
    try {
      const text = (await readBody(res, 64 * 1024, what)).toString("utf8");
      const j = JSON.parse(text) as { errors?: { code?: string; message?: string }[] };
      const e = j.errors?.[0];
      if (e) detail = `: ${e.code ?? ""}${e.message ? ` ${e.message}` : ""}`.slice(0, 300);
    } catch {
      // body not JSON or unreadable: the status says enough
    }
    if (res.status === 404) throw new VigilError("NOT_FOUND", `${what} not found on ${this.host}${detail}`);
    if (res.status === 403) throw new VigilError("AUTH", `access to ${what} on ${this.host} denied${detail}`);
    throw new VigilError("REGISTRY", `${this.host} answered HTTP ${res.status} for ${what}${detail}`);
  }

  static pullScope(repo: string): string {
    return `repository:${repo}:pull`;
  }

  /** GET a manifest by tag or digest; verifies the digest (requested digest, else Docker-Content-Digest). */
  async getManifest(repo: string, reference: string, accept = MANIFEST_ACCEPT): Promise<FetchedManifest> {
    const what = `manifest ${repo}:${reference}`;
    const res = await this.call(
      `${repo}/manifests/${encodeURIComponent(reference)}`,
      RegistryClient.pullScope(repo),
      {
        headers: { accept },
      },
    );
    if (res.status !== 200) return this.fail(res, what);
    const bytes = await readBody(res, MAX_MANIFEST_BYTES, what, this.opts.http?.idleTimeoutMs);
    const computed = sha256Digest(bytes);
    const headerDigest = res.headers.get("docker-content-digest") ?? undefined;
    if (reference.includes(":")) {
      verifyDigest(bytes, reference, what);
    } else if (headerDigest?.startsWith("sha256:") && headerDigest !== computed) {
      throw new VigilError(
        "DIGEST_MISMATCH",
        `${what}: registry says ${headerDigest} but the content hashes to ${computed}`,
      );
    }
    let json: { mediaType?: string; schemaVersion?: number };
    try {
      json = JSON.parse(bytes.toString("utf8")) as typeof json;
    } catch {
      throw new VigilError("IMAGE_FORMAT", `${what} is not valid JSON`);
    }
    if (json.schemaVersion === 1)
      throw new VigilError("IMAGE_FORMAT", `${what} uses the retired Docker schema 1 manifest format`);
    const ct = (res.headers.get("content-type") ?? "").split(";")[0]!.trim();
    const mediaType = json.mediaType ?? ct;
    return { digest: reference.includes(":") ? reference : computed, mediaType, bytes, json };
  }

  /** HEAD a manifest: its digest, media type and size without the body. */
  async headManifest(
    repo: string,
    reference: string,
  ): Promise<{ digest?: string; mediaType?: string; size?: number }> {
    const res = await this.call(
      `${repo}/manifests/${encodeURIComponent(reference)}`,
      RegistryClient.pullScope(repo),
      {
        method: "HEAD",
        headers: { accept: MANIFEST_ACCEPT },
      },
    );
    if (res.status !== 200) return this.fail(res, `manifest ${repo}:${reference}`);
    const size = Number(res.headers.get("content-length"));
    return {
      digest: res.headers.get("docker-content-digest") ?? undefined,
      mediaType: res.headers.get("content-type")?.split(";")[0]?.trim(),
      size: Number.isFinite(size) ? size : undefined,
    };
  }

  /** Streams a blob. The caller verifies its digest while consuming (the layer walk does). */
  async openBlob(repo: string, digest: string): Promise<{ stream: Readable; size?: number }> {
    const what = `blob ${digest} of ${repo}`;
    const scope = RegistryClient.pullScope(repo);
    const url = `${this.baseUrl}${repo}/blobs/${digest}`;
    const headers: Record<string, string> = {};
    const known = this.auth.headerFor(scope);
    if (known) headers.authorization = known;
    let res = await httpGetStream(url, headers, this.opts.http);
    if (res.status === 401) {
      res.stream.resume();
      const challenge = res.headers["www-authenticate"];
      headers.authorization = await this.auth.answer(
        Array.isArray(challenge) ? challenge[0]! : (challenge ?? null),
        scope,
      );
      res = await httpGetStream(url, headers, this.opts.http);
      if (res.status === 401) {
        res.stream.resume();
        throw new VigilError("AUTH", `registry ${this.host} refused the credentials for ${what}`);
      }
    }
    if (res.status !== 200) {
      res.stream.resume();
      if (res.status === 404) throw new VigilError("NOT_FOUND", `${what} not found on ${this.host}`);
      if (res.status === 403) throw new VigilError("AUTH", `access to ${what} on ${this.host} denied`);
      throw new VigilError("REGISTRY", `${this.host} answered HTTP ${res.status} for ${what}`);
    }
    const size = Number(res.headers["content-length"]);
    return { stream: res.stream, size: Number.isFinite(size) ? size : undefined };
  }

  /**
   * How a worker thread may GET a blob itself: its URL, the credentials already known for it, this
   * client's timeouts and extra CA. The worker follows no redirect and answers no challenge: anything
   * but a 200 sends the walk back to `openBlob`, which does both.
   */
  async blobDownload(repo: string, digest: string, maxBytes: number): Promise<LayerDownload> {
    const headers: Record<string, string> = {};
    const known = this.auth.headerFor(RegistryClient.pullScope(repo));
    if (known) headers.authorization = known;
    const extra = this.baseUrl.startsWith("https:") ? await prepareTls() : undefined;
    return {
      url: `${this.baseUrl}${repo}/blobs/${digest}`,
      headers,
      maxBytes,
      headerTimeoutMs: this.opts.http?.headerTimeoutMs ?? HTTP_DEFAULTS.headerTimeoutMs,
      idleTimeoutMs: this.opts.http?.idleTimeoutMs ?? HTTP_DEFAULTS.idleTimeoutMs,
      ...(extra ? { ca: extra.ca } : {}),
    };
  }

  /** Reads a small blob (config, attestation layer) whole and verifies its digest. */
  async getBlob(repo: string, digest: string, maxBytes: number): Promise<Buffer> {
    const what = `blob ${digest} of ${repo}`;
    const res = await this.call(`${repo}/blobs/${digest}`, RegistryClient.pullScope(repo), {});
    if (res.status !== 200) return this.fail(res, what);
    const data = await readBody(res, maxBytes, what, this.opts.http?.idleTimeoutMs);
    verifyDigest(data, digest, what);
    return data;
  }

  /** All tags of a repository, following `Link: <…>; rel="next"` pagination (bounded to 100 pages). */
  async listTags(repo: string, pageSize = 1000): Promise<string[]> {
    const tags: string[] = [];
    let next: string | undefined = `${repo}/tags/list?n=${pageSize}`;
    for (let page = 0; next && page < 100; page++) {
      const res = await this.call(next, RegistryClient.pullScope(repo), {
        headers: { accept: "application/json" },
      });
      if (res.status !== 200) return this.fail(res, `tag list of ${repo}`);
      const body = await readBody(res, 16 * 1024 * 1024, `tag list of ${repo}`);
      let j: { tags?: unknown };
      try {
        j = JSON.parse(body.toString("utf8")) as typeof j;
      } catch {
        throw new VigilError("REGISTRY", `tag list of ${repo} on ${this.host} is not valid JSON`);
      }
      if (Array.isArray(j.tags)) for (const t of j.tags) if (typeof t === "string") tags.push(t);
      const link = res.headers.get("link");
      const m = link ? /<([^>]+)>\s*;\s*rel="?next"?/.exec(link) : null;
      if (m) {
        const u = new URL(m[1]!, this.baseUrl);
        if (u.host !== new URL(this.baseUrl).host)
          throw new VigilError(
            "REGISTRY",
            `tag list pagination of ${repo} points to another host (${redactUrl(u.toString())})`,
          );
        next = u.toString();
      } else next = undefined;
    }
    return tags;
  }

  // --- push (used by tests and by `vigil` features that publish, e.g. snapshots as OCI artifacts) ---

  private static pushScope(repo: string): string {
    return `repository:${repo}:pull,push`;
  }

  /** Uploads a blob with a monolithic POST+PUT unless the registry already has it. */
  async pushBlob(repo: string, data: Buffer): Promise<string> {
    const digest = sha256Digest(data);
    const scope = RegistryClient.pushScope(repo);
    const head = await this.call(`${repo}/blobs/${digest}`, scope, { method: "HEAD" });
    await head.body?.cancel().catch(() => {});
    if (head.status === 200) return digest;
    const start = await this.call(`${repo}/blobs/uploads/`, scope, { method: "POST" });
    await start.body?.cancel().catch(() => {});
    if (start.status !== 202) return this.fail(start, `blob upload to ${repo}`);
    const loc = start.headers.get("location");
    if (!loc) throw new VigilError("REGISTRY", `${this.host} started an upload without a Location`);
    const u = new URL(loc, this.baseUrl);
    u.searchParams.set("digest", digest);
    const put = await this.call(u.toString(), scope, {
      method: "PUT",
      headers: { "content-type": "application/octet-stream", "content-length": String(data.length) },
      body: data,
    });
    await put.body?.cancel().catch(() => {});
    if (put.status !== 201) return this.fail(put, `blob upload to ${repo}`);
    return digest;
  }

  async pushManifest(repo: string, reference: string, mediaType: string, bytes: Buffer): Promise<string> {
    const res = await this.call(
      `${repo}/manifests/${encodeURIComponent(reference)}`,
      RegistryClient.pushScope(repo),
      {
        method: "PUT",
        headers: { "content-type": mediaType },
        body: bytes,
      },
    );
    await res.body?.cancel().catch(() => {});
    if (res.status !== 201) return this.fail(res, `manifest ${repo}:${reference}`);
    return sha256Digest(bytes);
  }
}
