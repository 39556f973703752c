/**
 * Starts a real CNCF distribution registry (Debian's `docker-registry` package) on 127.0.0.1 (or another
 * local address) with a throwaway config and filesystem storage, optionally behind htpasswd basic auth
 * and optionally serving TLS. Test-only.
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { get as httpsGet } from "node:https";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface RunningRegistry {
  host: string;
  url: string;
  stop(): Promise<void>;
}

export async function freePort(address = "127.0.0.1"): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, address, () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/** TLS for the registry: PEM files of its certificate and key, and the CA (PEM text) that signed it. */
export interface RegistryTls {
  certFile: string;
  keyFile: string;
  ca: string;
}

/** Whether the registry answers `/v2/` (200, or 401 behind auth). */
function answers(url: string, tls?: RegistryTls): Promise<boolean> {
  if (!tls)
    return fetch(`${url}/v2/`).then(
      (r) => r.status === 200 || r.status === 401,
      () => false,
    );
  return new Promise((resolve) => {
    httpsGet(`${url}/v2/`, { ca: tls.ca }, (res) => {
      res.resume();
      resolve(res.statusCode === 200 || res.statusCode === 401);
    }).on("error", () => resolve(false));
  });
}

export async function startRegistry(
  opts: { user?: string; password?: string; address?: string; tls?: RegistryTls } = {},
): Promise<RunningRegistry> {
  const dir = mkdtempSync(join(tmpdir(), "vigil-registry-"));
  const address = opts.address ?? "127.0.0.1";
  const port = await freePort(address);
  let auth = "";
  if (opts.user && opts.password) {
    const line = execFileSync("htpasswd", ["-Bbn", opts.user, opts.password], { encoding: "utf8" });
    writeFileSync(join(dir, "htpasswd"), line);
    auth = `auth:\n  htpasswd:\n    realm: vigil-test\n    path: ${join(dir, "htpasswd")}\n`;
  }
  const config = `version: 0.1
log:
  level: error
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: ${join(dir, "data")}
  delete:
    enabled: true
http:
  addr: ${address}:${port}
${opts.tls ? `  tls:\n    certificate: ${opts.tls.certFile}\n    key: ${opts.tls.keyFile}\n` : ""}${auth}`;
  writeFileSync(join(dir, "config.yml"), config);
  const child: ChildProcess = spawn("docker-registry", ["serve", join(dir, "config.yml")], {
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  child.stderr?.on("data", (b: Buffer) => {
    if (stderr.length < 10_000) stderr += b.toString();
  });
  const url = `${opts.tls ? "https" : "http"}://${address}:${port}`;
  const deadline = Date.now() + 15_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`docker-registry exited early: ${stderr}`);
    if (await answers(url, opts.tls)) break;
    if (Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`docker-registry did not start: ${stderr}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    host: `${address}:${port}`,
    url,
    async stop() {
      if (child.exitCode === null) {
        const done = new Promise((r) => child.once("exit", r));
        child.kill("SIGTERM");
        await Promise.race([done, new Promise((r) => setTimeout(r, 3000))]);
        if (child.exitCode === null) child.kill("SIGKILL");
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
