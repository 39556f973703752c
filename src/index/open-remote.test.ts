import { readFileSync } from "node:fs";
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
