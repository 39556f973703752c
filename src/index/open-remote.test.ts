import { readFileSync } from "node:fs";
import { createServer, request as httpRequest } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLogger } from "../core/logger.js";
import { DockerEngine } from "../image/daemon/index.js";
import { RegistryClient } from "../image/registry/client.js";
import { buildImage, pushImage } from "../image/registry/test-helpers/image-builder.js";
import { type RunningRegistry, startRegistry } from "../image/registry/test-helpers/registry-server.js";
import { indexImage } from "./indexer.js";
import { openSource } from "./open.js";
import { remoteOpener } from "./open-remote.js";

const status = readFileSync("/var/lib/dpkg/status", "utf8");
const installed = status.split(/\n\n+/).filter((s) => /^Status: install ok installed$/m.test(s)).length;

describe("indexing images from a real registry", () => {
  let reg: RunningRegistry;
  beforeAll(async () => {
    reg = await startRegistry();
    const client = new RegistryClient(reg.host);
    const img = await buildImage([
      [{ path: "etc/os-release", content: readFileSync("/etc/os-release") }],
      [{ path: "var/lib/dpkg/status", content: status }],
    ]);
    await pushImage(client, "shop/app", "1", img);
  });
  afterAll(async () => reg?.stop());

  it("pulls and indexes with Scout's progress lines", async () => {
    const lines: string[] = [];
    const stream = { write: (s: string) => lines.push(s) } as unknown as NodeJS.WritableStream;
    const sbom = await indexImage(`registry://${reg.host}/shop/app:1`, {
      logger: createLogger({ stream }),
      sbomCache: false,
      layerCache: false,
    });
    expect(sbom.packages.filter((p) => p.type === "deb")).toHaveLength(installed);
    expect(sbom.image.digest).toMatch(/^sha256:/);
    expect(sbom.distro?.id).toBe("debian");
    expect(sbom.packages.every((p) => p.type !== "deb" || p.layerIndex === 1)).toBe(true);
    expect(lines.join("")).toMatch(/✓ Pulled\n[\s\S]*✓ Indexed \d+ packages/);
  });

  it("lets a worker download the blobs, and falls back to the client when a blob is redirected", async () => {
    // A front for the registry on another port: it counts blob requests, and in redirect mode answers
    // them with a 307 to the registry itself (another origin), which only the client follows.
    const hits: string[] = [];
    let redirect = false;
    const [rhost, rport] = reg.host.split(":");
    const front = createServer((req, res) => {
      const isBlob = /\/blobs\/sha256:/.test(req.url ?? "");
      if (isBlob) hits.push(req.url!);
      if (isBlob && redirect) {
        res.writeHead(307, { location: `http://${reg.host}${req.url}` }).end();
        return;
      }
      const up = httpRequest(
        { host: rhost, port: Number(rport), path: req.url, method: req.method, headers: req.headers },
        (r) => {
          res.writeHead(r.statusCode ?? 502, r.headers);
          r.pipe(res);
        },
      );
      req.pipe(up);
    });
    await new Promise<void>((r) => front.listen(0, "127.0.0.1", r));
    const host = `127.0.0.1:${(front.address() as AddressInfo).port}`;
    try {
      const run = () =>
        indexImage(`registry://${host}/shop/app:1`, {
          logger: createLogger({ stream: { write: () => true } as unknown as NodeJS.WritableStream }),
          sbomCache: false,
          layerCache: false,
        });
      const direct = await run();
      const directHits = hits.length;
      expect(direct.packages.filter((p) => p.type === "deb")).toHaveLength(installed);
      redirect = true;
      hits.length = 0;
      const redirected = await run();
      // each layer blob asked twice: by the worker (a 307: handed back) and by the client
      expect(hits.length).toBe(2 * directHits - 1); // the config blob is fetched by the client only
      expect(redirected.packages).toEqual(direct.packages);
    } finally {
      front.closeAllConnections();
      front.close();
    }
  });

  it("shows a byte progress bar for pulls on a terminal, nothing otherwise", async () => {
    const out: string[] = [];
    const tty = { write: (s: string) => out.push(s), isTTY: true } as unknown as NodeJS.WritableStream;
    await indexImage(`registry://${reg.host}/shop/app:1`, {
      logger: createLogger({ stream: tty }),
      sbomCache: false,
      layerCache: false,
    });
    const text = out.join("");
    expect(text).toMatch(/\.\.\.Pulling \[=+ *\] [\d.]+ MB \/ [\d.]+ MB/);
    expect(text).toMatch(/\r\x1b\[K {4}✓ Indexed/); // the bar is cleared before the next line
    const quiet: string[] = [];
    const q = { write: (s: string) => quiet.push(s), isTTY: true } as unknown as NodeJS.WritableStream;
    await indexImage(`registry://${reg.host}/shop/app:1`, {
      logger: createLogger({ stream: q, quiet: true }),
      sbomCache: false,
      layerCache: false,
    });
    expect(quiet.join("")).toBe("");
  });

  it("image:// falls back to the registry when no daemon answers; local:// fails clearly", async () => {
    const noDaemon = () =>
      new DockerEngine({
        socketPath: "/nonexistent/docker.sock",
        describe: "unix:///nonexistent/docker.sock",
      });
    const logger = createLogger({ quiet: true });
    const opts = { limits: (await import("../image/types.js")).DEFAULT_LIMITS, logger };
    const viaImage = await openSource(`${reg.host}/shop/app:1`, opts, [remoteOpener(noDaemon)]);
    expect(viaImage.kind).toBe("image");
    await expect(
      openSource(`local://${reg.host}/shop/app:1`, opts, [remoteOpener(noDaemon)]),
    ).rejects.toThrow(/no Docker daemon answers at unix:\/\/\/nonexistent\/docker.sock/);
  });
});
