import { VigilError } from "../../core/errors.js";
import type { Credentials } from "./credentials.js";
import { type HttpOptions, httpRequest, readBody, redactUrl } from "./http.js";

/** A parsed `WWW-Authenticate` challenge. */
export interface Challenge {
  scheme: "bearer" | "basic" | "other";
  params: Record<string, string>;
}

/** Parses `Bearer realm="…",service="…",scope="repository:a/b:pull"` (quoted values may hold commas). */
export function parseWwwAuthenticate(header: string): Challenge {
  const m = /^\s*([A-Za-z]+)\s*(.*)$/s.exec(header);
  if (!m) return { scheme: "other", params: {} };
  const name = m[1]!.toLowerCase();
  const params: Record<string, string> = {};
  const re = /([A-Za-z_][\w-]*)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^,\s]*))\s*,?/g;
  let p: RegExpExecArray | null;
  while ((p = re.exec(m[2]!)) !== null) {
    params[p[1]!.toLowerCase()] = p[2] !== undefined ? p[2].replace(/\\(.)/g, "$1") : (p[3] ?? "");
  }
  return { scheme: name === "bearer" ? "bearer" : name === "basic" ? "basic" : "other", params };
}

function basicHeader(c: Credentials): string | undefined {
  if (c.username === undefined || c.password === undefined) return undefined;
  return `Basic ${Buffer.from(`${c.username}:${c.password}`).toString("base64")}`;
}

interface CachedToken {
  header: string;
  expiresAt: number;
}

/**
 * Answers registry challenges for one registry host: basic auth with the user's credentials, or the
 * bearer-token flow (GET realm?service=…&scope=…, with basic credentials or a refresh token when the
 * user has them, anonymously otherwise). Tokens are cached per scope until shortly before they expire.
 * Secrets never appear in errors.
 */
export class Authenticator {
  private readonly tokens = new Map<string, CachedToken>();
  private basicMode = false;

  constructor(
    private readonly host: string,
    private readonly credentials: Credentials | undefined,
    private readonly http: HttpOptions = {},
  ) {}

  /** The Authorization header to send for `scope`, if one is known already. */
  headerFor(scope: string): string | undefined {
    if (this.credentials?.registryToken) return `Bearer ${this.credentials.registryToken}`;
    if (this.basicMode && this.credentials) return basicHeader(this.credentials);
    const t = this.tokens.get(scope);
    if (t && t.expiresAt > Date.now()) return t.header;
    return undefined;
  }

  /** Handles a 401 challenge; returns the header to retry with, or throws AUTH. */
  async answer(challengeHeader: string | null, scope: string): Promise<string> {
    if (!challengeHeader)
      throw new VigilError("AUTH", `registry ${this.host} refused access without saying how to authenticate`);
    const ch = parseWwwAuthenticate(challengeHeader);
    if (ch.scheme === "basic") {
      const h = this.credentials && basicHeader(this.credentials);
      if (!h)
        throw new VigilError(
          "AUTH",
          `registry ${this.host} requires a username and password (docker login, --username/--password-stdin or VIGIL_REGISTRY_USER/VIGIL_REGISTRY_PASSWORD)`,
        );
      this.basicMode = true;
      return h;
    }
    if (ch.scheme !== "bearer" || !ch.params.realm)
      throw new VigilError("AUTH", `registry ${this.host} asks for an unsupported authentication scheme`);
    return this.fetchToken(ch.params.realm, ch.params.service, ch.params.scope ?? scope, scope);
  }

  private async fetchToken(
    realm: string,
    service: string | undefined,
    scope: string,
    cacheKey: string,
  ): Promise<string> {
    let url: URL;
    try {
      url = new URL(realm);
    } catch {
      throw new VigilError("AUTH", `registry ${this.host} gave an invalid token realm`);
    }
    if (url.protocol !== "https:" && !isLoopbackHost(url.hostname))
      throw new VigilError("AUTH", `refusing to send credentials to a non-HTTPS token service (${url.host})`);
    if (service) url.searchParams.set("service", service);
    for (const s of scope.split(" ").filter(Boolean)) url.searchParams.append("scope", s);
    const headers: Record<string, string> = { accept: "application/json" };
    let method: "GET" | "POST" = "GET";
    let body: string | undefined;
    if (this.credentials?.identityToken) {
      method = "POST";
      headers["content-type"] = "application/x-www-form-urlencoded";
      const form = new URLSearchParams({
        grant_type: "refresh_token",
        refresh_token: this.credentials.identityToken,
        service: service ?? "",
        scope,
        client_id: "vigil",
      });
      body = form.toString();
      url.search = "";
    } else if (this.credentials) {
      const h = basicHeader(this.credentials);
      if (h) headers.authorization = h;
    }
    const res = await httpRequest(url.toString(), { method, headers, body }, this.http);
    const raw = await readBody(res, 1024 * 1024, "token response");
    if (res.status === 401 || res.status === 403)
      throw new VigilError(
        "AUTH",
        `authentication to ${this.host} failed${this.credentials?.username ? ` for user "${this.credentials.username}"` : ""} (token service answered ${res.status})`,
      );
    if (res.status !== 200)
      throw new VigilError("AUTH", `token service ${redactUrl(url.toString())} answered HTTP ${res.status}`);
    let json: { token?: string; access_token?: string; expires_in?: number };
    try {
      json = JSON.parse(raw.toString("utf8")) as typeof json;
    } catch {
      throw new VigilError("AUTH", `token service for ${this.host} returned malformed JSON`);
    }
    const token = json.token ?? json.access_token;
    if (!token || typeof token !== "string")
      throw new VigilError("AUTH", `token service for ${this.host} returned no token`);
    const ttl = typeof json.expires_in === "number" && json.expires_in > 0 ? json.expires_in : 60;
    const header = `Bearer ${token}`;
    this.tokens.set(cacheKey, { header, expiresAt: Date.now() + Math.max(ttl - 10, 5) * 1000 });
    return header;
  }
}

export function isLoopbackHost(hostname: string): boolean {
  const h = hostname.replace(/^\[|\]$/g, "");
  return h === "localhost" || h === "::1" || /^127\.\d+\.\d+\.\d+$/.test(h);
}
