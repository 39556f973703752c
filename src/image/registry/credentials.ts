import { spawn } from "node:child_process";
import { readFile } from "node:fs/promises";
import { homedir } from "node:os";
import { join } from "node:path";
import { VigilError } from "../../core/errors.js";

/** Registry credentials. Never logged, never written to an SBOM or an error message. */
export interface Credentials {
  username?: string;
  password?: string;
  /** OAuth2 refresh token (docker config `identitytoken`, or a helper answering Username "<token>"). */
  identityToken?: string;
  /** A ready bearer token for the registry (VIGIL_REGISTRY_TOKEN / DOCKER_SCOUT_REGISTRY_TOKEN). */
  registryToken?: string;
  /** Where they came from, for messages: "flags", "env", "docker config", "credential helper foo". */
  origin: string;
}

export interface CredentialOptions {
  /** From --username / --password-stdin. */
  username?: string;
  password?: string;
  env?: NodeJS.ProcessEnv;
  /** DOCKER_CONFIG directory (default ~/.docker). */
  dockerConfigDir?: string;
  /** Runs `docker-credential-<name> get`; replaceable in tests. */
  runHelper?: (helper: string, serverUrl: string) => Promise<string>;
}

interface DockerConfig {
  auths?: Record<string, { auth?: string; username?: string; password?: string; identitytoken?: string }>;
  credsStore?: string;
  credHelpers?: Record<string, string>;
}

const HUB_KEYS = ["https://index.docker.io/v1/", "index.docker.io", "docker.io", "registry-1.docker.io"];

/** The keys a registry host may be stored under in config.json. */
function keysFor(host: string): string[] {
  if (host === "docker.io" || host === "registry-1.docker.io" || host === "index.docker.io") return HUB_KEYS;
  return [host, `https://${host}`, `http://${host}`, `https://${host}/v1/`, `https://${host}/v2/`];
}

function helperRunner(helper: string, serverUrl: string): Promise<string> {
  if (!/^[A-Za-z0-9._-]+$/.test(helper))
    return Promise.reject(new VigilError("AUTH", `invalid credential helper name "${helper}"`));
  return new Promise((resolve, reject) => {
    const child = spawn(`docker-credential-${helper}`, ["get"], { stdio: ["pipe", "pipe", "pipe"] });
    const out: Buffer[] = [];
    let size = 0;
    const timer = setTimeout(() => child.kill("SIGKILL"), 15_000);
    child.stdout.on("data", (b: Buffer) => {
      size += b.length;
      if (size < 1024 * 1024) out.push(b);
    });
    child.on("error", (err) => {
      clearTimeout(timer);
      reject(
        new VigilError("AUTH", `cannot run credential helper docker-credential-${helper}: ${err.message}`),
      );
    });
    child.on("close", (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(Buffer.concat(out).toString("utf8"));
      else
        reject(new VigilError("AUTH", `credential helper docker-credential-${helper} failed (exit ${code})`));
    });
    child.stdin.end(serverUrl);
  });
}

async function readDockerConfig(dir: string): Promise<DockerConfig | undefined> {
  let text: string;
  try {
    text = await readFile(join(dir, "config.json"), "utf8");
  } catch {
    return undefined;
  }
  try {
    return JSON.parse(text) as DockerConfig;
  } catch {
    throw new VigilError("AUTH", `${join(dir, "config.json")} is not valid JSON`);
  }
}

function fromHelperOutput(text: string, origin: string): Credentials | undefined {
  let j: { Username?: string; Secret?: string };
  try {
    j = JSON.parse(text) as typeof j;
  } catch {
    throw new VigilError("AUTH", `${origin} returned malformed output`);
  }
  if (!j.Secret) return undefined;
  if (j.Username === "<token>") return { identityToken: j.Secret, origin };
  return { username: j.Username, password: j.Secret, origin };
}

/**
 * Finds credentials for a registry host, first match wins: flags; VIGIL_REGISTRY_TOKEN or
 * VIGIL_REGISTRY_USER/VIGIL_REGISTRY_PASSWORD (DOCKER_SCOUT_REGISTRY_* are read too); the Docker
 * config's credHelpers[host], credsStore, then auths[host].
 */
export async function resolveCredentials(
  host: string,
  opts: CredentialOptions = {},
): Promise<Credentials | undefined> {
  const env = opts.env ?? process.env;
  if (opts.username !== undefined && opts.password !== undefined)
    return { username: opts.username, password: opts.password, origin: "flags" };
  const token = env.VIGIL_REGISTRY_TOKEN ?? env.DOCKER_SCOUT_REGISTRY_TOKEN;
  if (token) return { registryToken: token, origin: "env" };
  const user = env.VIGIL_REGISTRY_USER ?? env.DOCKER_SCOUT_REGISTRY_USER;
  const pass = env.VIGIL_REGISTRY_PASSWORD ?? env.DOCKER_SCOUT_REGISTRY_PASSWORD;
  if (user !== undefined && pass !== undefined) return { username: user, password: pass, origin: "env" };

  const dir = opts.dockerConfigDir ?? env.DOCKER_CONFIG ?? join(homedir(), ".docker");
  const cfg = await readDockerConfig(dir);
  if (!cfg) return undefined;
  const run = opts.runHelper ?? helperRunner;
  const keys = keysFor(host);

  for (const k of keys) {
    const helper = cfg.credHelpers?.[k];
    if (helper) return fromHelperOutput(await run(helper, k), `credential helper ${helper}`);
  }
  if (cfg.credsStore) {
    for (const k of keys) {
      try {
        const c = fromHelperOutput(await run(cfg.credsStore, k), `credential helper ${cfg.credsStore}`);
        if (c) return c;
      } catch {
        // Not stored under this key (helpers exit non-zero for "credentials not found"); try the next.
      }
    }
  }
  for (const k of keys) {
    const a = cfg.auths?.[k];
    if (!a) continue;
    if (a.identitytoken) return { identityToken: a.identitytoken, origin: "docker config" };
    if (a.auth) {
      const decoded = Buffer.from(a.auth, "base64").toString("utf8");
      const i = decoded.indexOf(":");
      if (i < 0)
        throw new VigilError("AUTH", `the stored login for ${host} in ${dir}/config.json is malformed`);
      return { username: decoded.slice(0, i), password: decoded.slice(i + 1), origin: "docker config" };
    }
    if (a.username !== undefined && a.password !== undefined)
      return { username: a.username, password: a.password, origin: "docker config" };
  }
  return undefined;
}
