import { createWriteStream } from "node:fs";
import { request } from "node:http";
import { pipeline } from "node:stream/promises";
import { VigilError } from "../../core/errors.js";

/**
 * A minimal Docker Engine API client: just what indexing needs (`/_ping`, `GET /images/{name}/json`,
 * `GET /images/{name}/get`), over the Unix socket or TCP endpoint named by DOCKER_HOST
 * (default unix:///var/run/docker.sock).
 */
export interface EngineEndpoint {
  socketPath?: string;
  host?: string;
  port?: number;
  describe: string;
}

export interface ImageInspect {
  Id: string;
  RepoTags?: string[] | null;
  RepoDigests?: string[] | null;
  Architecture?: string;
  Os?: string;
  Variant?: string;
  Size?: number;
  Created?: string;
}

export function engineEndpoint(env: NodeJS.ProcessEnv = process.env): EngineEndpoint {
  const h = env.DOCKER_HOST;
  if (!h) return { socketPath: "/var/run/docker.sock", describe: "unix:///var/run/docker.sock" };
  if (h.startsWith("unix://")) return { socketPath: h.slice("unix://".length), describe: h };
  const m = /^tcp:\/\/([^:/]+)(?::(\d+))?\/?$/.exec(h);
  if (m) return { host: m[1], port: Number(m[2] ?? 2375), describe: h };
  throw new VigilError("DAEMON", `unsupported DOCKER_HOST "${h}" (use unix:///path or tcp://host:port)`);
}

interface RawResponse {
  status: number;
  body: NodeJS.ReadableStream;
}

function call(ep: EngineEndpoint, path: string, timeoutMs: number): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        socketPath: ep.socketPath,
        host: ep.host,
        port: ep.port,
        path,
        method: "GET",
        headers: { host: "docker" },
        timeout: timeoutMs,
      },
      (res) => resolve({ status: res.statusCode ?? 0, body: res }),
    );
    req.on("timeout", () =>
      req.destroy(new VigilError("DAEMON", `Docker daemon at ${ep.describe} did not answer`)),
    );
    req.on("error", (err) => {
      if (err instanceof VigilError) reject(err);
      else
        reject(
          new VigilError(
            "DAEMON",
            `cannot connect to the Docker daemon at ${ep.describe}: ${(err as NodeJS.ErrnoException).code ?? err.message}`,
          ),
        );
    });
    req.end();
  });
}

async function readSmall(body: NodeJS.ReadableStream, max: number): Promise<string> {
  const chunks: Buffer[] = [];
  let n = 0;
  for await (const c of body) {
    n += (c as Buffer).length;
    if (n > max) throw new VigilError("DAEMON", "Docker daemon sent an oversized response");
    chunks.push(c as Buffer);
  }
  return Buffer.concat(chunks).toString("utf8");
}

export class DockerEngine {
  constructor(
    readonly endpoint: EngineEndpoint = engineEndpoint(),
    private readonly timeoutMs = 5000,
  ) {}

  /** True when a daemon answers `/_ping`. */
  async available(): Promise<boolean> {
    try {
      const r = await call(this.endpoint, "/_ping", Math.min(this.timeoutMs, 2000));
      await readSmall(r.body, 4096);
      return r.status === 200;
    } catch {
      return false;
    }
  }

  /** `docker image inspect`; undefined when the daemon does not have the image. */
  async inspect(name: string): Promise<ImageInspect | undefined> {
    const r = await call(this.endpoint, `/images/${encodeURIComponent(name)}/json`, this.timeoutMs);
    const text = await readSmall(r.body, 8 * 1024 * 1024);
    if (r.status === 404) return undefined;
    if (r.status !== 200)
      throw new VigilError("DAEMON", `Docker daemon answered HTTP ${r.status} inspecting ${name}`);
    try {
      const j = JSON.parse(text) as ImageInspect;
      if (typeof j.Id !== "string") throw new Error("no Id");
      return j;
    } catch {
      throw new VigilError("DAEMON", `Docker daemon returned malformed image data for ${name}`);
    }
  }

  /** Streams `docker save` of one image into `file` (a docker-archive tarball). */
  async save(name: string, file: string, maxBytes: number): Promise<number> {
    const r = await call(this.endpoint, `/images/${encodeURIComponent(name)}/get`, 0);
    if (r.status !== 200) {
      await readSmall(r.body, 64 * 1024).catch(() => "");
      throw new VigilError("DAEMON", `Docker daemon answered HTTP ${r.status} exporting ${name}`);
    }
    let n = 0;
    const counter = async function* (src: AsyncIterable<Buffer>) {
      for await (const c of src) {
        n += c.length;
        if (n > maxBytes)
          throw new VigilError(
            "LIMIT",
            `image ${name} exported by the daemon exceeds ${maxBytes} bytes (--max-image-size)`,
          );
        yield c;
      }
    };
    await pipeline(r.body as AsyncIterable<Buffer>, counter, createWriteStream(file));
    return n;
  }
}
