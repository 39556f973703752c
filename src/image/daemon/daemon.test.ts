import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { VigilError } from "../../core/errors.js";
import { silentLogger } from "../../core/logger.js";
import { parseImageRef } from "../../reference/image-ref.js";
import { openLocalImage } from "../local-image.js";
import { buildLayer, sha256, tarOf } from "../test-helpers/build-image.js";
import { DEFAULT_LIMITS } from "../types.js";
import { DockerEngine, engineEndpoint } from "./engine.js";
import { openDaemonImage } from "./source.js";

/** A real `docker save` (legacy layout) tarball of a two-layer image, built from this machine's files. */
async function dockerSaveTarball(): Promise<{ tar: Buffer; configDigest: string }> {
  const l1 = await buildLayer([{ name: "etc/os-release", content: readFileSync("/etc/os-release") }], "none");
  const l2 = await buildLayer(
    [{ name: "var/lib/dpkg/status", content: readFileSync("/var/lib/dpkg/status").subarray(0, 100_000) }],
    "none",
  );
  const config = Buffer.from(
    JSON.stringify({
      architecture: "amd64",
      os: "linux",
      config: { Env: ["PATH=/bin"] },
      rootfs: { type: "layers", diff_ids: [l1.diffId, l2.diffId] },
      history: [{ created_by: "ADD rootfs" }, { created_by: "RUN apt-get install" }],
    }),
  );
  const configDigest = sha256(config);
  const hex = configDigest.slice(7);
  const manifest = [
    { Config: `${hex}.json`, RepoTags: ["shop/app:1"], Layers: ["l1/layer.tar", "l2/layer.tar"] },
  ];
  const tar = await tarOf([
    { name: `${hex}.json`, content: config },
    { name: "l1/layer.tar", content: l1.tar },
    { name: "l2/layer.tar", content: l2.tar },
    { name: "manifest.json", content: JSON.stringify(manifest) },
  ]);
  return { tar, configDigest };
}

describe("Docker daemon source (Engine API over a Unix socket)", () => {
  let dir: string;
  let server: Server;
  let socket: string;
  let archive: { tar: Buffer; configDigest: string };
  const requests: string[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "vigil-daemon-test-"));
    socket = join(dir, "docker.sock");
    archive = await dockerSaveTarball();
    server = createServer((req, res) => {
      requests.push(`${req.method} ${req.url}`);
      const url = req.url ?? "";
      if (url === "/_ping") return void res.writeHead(200).end("OK");
      const m = /^\/images\/([^/]+)\/(json|get)$/.exec(url);
      const name = m ? decodeURIComponent(m[1]!) : "";
      if (!m || (name !== "shop/app:1" && name !== archive.configDigest)) {
        return void res
          .writeHead(404, { "content-type": "application/json" })
          .end('{"message":"No such image"}');
      }
      if (m[2] === "json") {
        return void res.writeHead(200, { "content-type": "application/json" }).end(
          JSON.stringify({
            Id: archive.configDigest,
            RepoTags: ["shop/app:1"],
            RepoDigests: [`shop/app@sha256:${"b".repeat(64)}`],
            Architecture: "amd64",
            Os: "linux",
          }),
        );
      }
      res.writeHead(200, { "content-type": "application/x-tar" });
      // stream in chunks like the engine does
      for (let i = 0; i < archive.tar.length; i += 16_384) res.write(archive.tar.subarray(i, i + 16_384));
      res.end();
    });
    await new Promise<void>((r) => server.listen(socket, () => r()));
  });
  afterAll(() => {
    server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const opts = (engine: DockerEngine) => ({
    limits: DEFAULT_LIMITS,
    logger: silentLogger(),
    engine,
    openArchive: (p: string, _ref: string, o: Parameters<typeof openLocalImage>[1]) =>
      openLocalImage(`archive://${p}`, o),
  });

  it("reads DOCKER_HOST", () => {
    expect(engineEndpoint({ DOCKER_HOST: "unix:///run/x.sock" })).toMatchObject({
      socketPath: "/run/x.sock",
    });
    expect(engineEndpoint({ DOCKER_HOST: "tcp://127.0.0.1:2375" })).toMatchObject({
      host: "127.0.0.1",
      port: 2375,
    });
    expect(engineEndpoint({})).toMatchObject({ socketPath: "/var/run/docker.sock" });
    expect(() => engineEndpoint({ DOCKER_HOST: "ssh://x" })).toThrow(/unsupported DOCKER_HOST/);
  });

  it("exports the image through the Engine API and opens it as a docker archive", async () => {
    const engine = new DockerEngine({ socketPath: socket, describe: `unix://${socket}` });
    const opened = await openDaemonImage(parseImageRef("shop/app:1"), "shop/app:1", opts(engine));
    expect(opened).toBeDefined();
    expect(opened!.info.configDigest).toBe(archive.configDigest);
    expect(opened!.layers).toHaveLength(2);
    expect(opened!.info.tags).toContain("shop/app:1");
    expect(requests).toContain("GET /images/shop%2Fapp%3A1/get");
    await opened!.close();
  });

  it("returns undefined when the daemon lacks the image", async () => {
    const engine = new DockerEngine({ socketPath: socket, describe: `unix://${socket}` });
    expect(await openDaemonImage(parseImageRef("other:2"), "other:2", opts(engine))).toBeUndefined();
  });

  it("errors clearly when no daemon answers", async () => {
    const engine = new DockerEngine({
      socketPath: join(dir, "absent.sock"),
      describe: "unix:///nowhere.sock",
    });
    await expect(openDaemonImage(parseImageRef("shop/app:1"), "x", opts(engine))).rejects.toThrow(
      /no Docker daemon answers at unix:\/\/\/nowhere.sock/,
    );
    try {
      await openDaemonImage(parseImageRef("shop/app:1"), "x", opts(engine));
    } catch (e) {
      expect((e as VigilError).code).toBe("DAEMON");
    }
  });

  it("enforces the image size limit while exporting", async () => {
    const engine = new DockerEngine({ socketPath: socket, describe: `unix://${socket}` });
    await expect(
      openDaemonImage(parseImageRef("shop/app:1"), "x", {
        ...opts(engine),
        limits: { ...DEFAULT_LIMITS, maxImageSize: 10_000 },
      }),
    ).rejects.toThrow(/exceeds 10000 bytes/);
  });
});
