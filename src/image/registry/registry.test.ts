import { createHash } from "node:crypto";
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { VigilError } from "../../core/errors.js";
import { silentLogger } from "../../core/logger.js";
import { parseImageRef } from "../../reference/image-ref.js";
import { DEFAULT_LIMITS } from "../types.js";
import { parseWwwAuthenticate } from "./auth.js";
import { RegistryClient } from "./client.js";
import { resolveCredentials } from "./credentials.js";
import { openRegistryImage } from "./source.js";
import { buildImage, pushImage, pushIndex } from "./test-helpers/image-builder.js";
import { freePort, type RunningRegistry, startRegistry } from "./test-helpers/registry-server.js";

const osRelease = readFileSync("/etc/os-release", "utf8");
const dpkgStatus = readFileSync("/var/lib/dpkg/status", "utf8").slice(0, 200_000);
const sha = (b: Buffer) => `sha256:${createHash("sha256").update(b).digest("hex")}`;
const opts = () => ({ limits: DEFAULT_LIMITS, logger: silentLogger() });

async function expectError(p: Promise<unknown>, code: string, re: RegExp): Promise<VigilError> {
  let err: unknown;
  try {
    await p;
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(VigilError);
  expect((err as VigilError).code).toBe(code);
  expect((err as VigilError).message).toMatch(re);
  return err as VigilError;
}

async function streamToBuffer(s: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of s) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

describe("registry source against a real distribution registry (anonymous)", () => {
  let reg: RunningRegistry;
  let client: RegistryClient;
  beforeAll(async () => {
    reg = await startRegistry();
    client = new RegistryClient(reg.host);
  });
  afterAll(async () => reg?.stop());

  it("pulls a single-platform image: manifest, config and layers verified", async () => {
    const img = await buildImage([
      [{ path: "etc/os-release", content: osRelease }],
      [{ path: "var/lib/dpkg/status", content: dpkgStatus }],
    ]);
    const digest = await pushImage(client, "test/app", "1.0", img);
    expect(digest).toBe(img.manifestDigest);
    const ref = parseImageRef(`${reg.host}/test/app:1.0`);
    const opened = await openRegistryImage(ref, `${reg.host}/test/app:1.0`, opts());
    expect(opened.info.digest).toBe(img.manifestDigest);
    expect(opened.info.configDigest).toBe(img.configDigest);
    expect(opened.info.platform).toMatchObject({ os: "linux", architecture: "amd64" });
    expect(opened.info.tags).toEqual([`${reg.host}/test/app:1.0`]);
    expect(opened.layers.map((l) => l.diffId)).toEqual(img.layers.map((l) => l.diffId));
    expect(opened.info.layers[1]!.createdBy).toBe("layer 1");
    const blob = await streamToBuffer(await opened.openLayerBlob(opened.layers[1]!));
    expect(sha(blob)).toBe(img.layers[1]!.digest);
    // by digest too
    const byDigest = await openRegistryImage(parseImageRef(`${reg.host}/test/app@${digest}`), "x", opts());
    expect(byDigest.info.digest).toBe(digest);
  });

  it("docker schema 2 manifests work the same", async () => {
    const img = await buildImage([[{ path: "etc/os-release", content: osRelease }]], { docker: true });
    await pushImage(client, "test/docker", "v2", img);
    const opened = await openRegistryImage(parseImageRef(`${reg.host}/test/docker:v2`), "x", opts());
    expect(opened.info.digest).toBe(img.manifestDigest);
  });

  it("chooses the platform from an index, skips attestation manifests and reads attestations", async () => {
    const amd = await buildImage([[{ path: "etc/os-release", content: osRelease }]]);
    const arm = await buildImage([[{ path: "etc/os-release", content: `${osRelease}\n# arm\n` }]], {
      architecture: "arm64",
      variant: "v8",
    });
    await pushImage(client, "test/multi", undefined, amd);
    await pushImage(client, "test/multi", undefined, arm);
    // An attestation manifest for the amd64 image: in-toto statements written here.
    const provenance = Buffer.from(
      JSON.stringify({
        _type: "https://in-toto.io/Statement/v0.1",
        predicateType: "https://slsa.dev/provenance/v0.2",
        subject: [{ name: "x", digest: { sha256: amd.manifestDigest.slice(7) } }],
        predicate: {
          materials: [
            { uri: "pkg:docker/debian@12?platform=linux%2Famd64", digest: { sha256: "a".repeat(64) } },
          ],
        },
      }),
    );
    const emptyConfig = Buffer.from("{}");
    await client.pushBlob("test/multi", provenance);
    await client.pushBlob("test/multi", emptyConfig);
    const attManifest = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: "application/vnd.oci.image.manifest.v1+json",
        config: { mediaType: "application/vnd.oci.image.config.v1+json", digest: sha(emptyConfig), size: 2 },
        layers: [
          {
            mediaType: "application/vnd.in-toto+json",
            digest: sha(provenance),
            size: provenance.length,
            annotations: { "in-toto.io/predicate-type": "https://slsa.dev/provenance/v0.2" },
          },
        ],
      }),
    );
    const attDigest = await client.pushManifest(
      "test/multi",
      sha(attManifest),
      "application/vnd.oci.image.manifest.v1+json",
      attManifest,
    );
    const index = await pushIndex(client, "test/multi", "latest", [
      {
        digest: arm.manifestDigest,
        size: arm.manifest.length,
        mediaType: arm.mediaType,
        platform: { os: "linux", architecture: "arm64", variant: "v8" },
      },
      {
        digest: amd.manifestDigest,
        size: amd.manifest.length,
        mediaType: amd.mediaType,
        platform: { os: "linux", architecture: "amd64" },
      },
      {
        digest: attDigest,
        size: attManifest.length,
        mediaType: "application/vnd.oci.image.manifest.v1+json",
        platform: { os: "unknown", architecture: "unknown" },
        annotations: {
          "vnd.docker.reference.type": "attestation-manifest",
          "vnd.docker.reference.digest": amd.manifestDigest,
        },
      },
    ]);
    const ref = parseImageRef(`${reg.host}/test/multi`);
    const def = await openRegistryImage(ref, "x", opts());
    expect(def.info.digest).toBe(amd.manifestDigest);
    expect(def.info.indexDigest).toBe(index.digest);
    const statements = await def.attestations!();
    expect(statements).toHaveLength(1);
    expect(statements[0]!.predicateType).toBe("https://slsa.dev/provenance/v0.2");

    const armOpened = await openRegistryImage(ref, "x", { ...opts(), platform: "linux/arm64/v8" });
    expect(armOpened.info.digest).toBe(arm.manifestDigest);
    expect(await armOpened.attestations!()).toHaveLength(0);
    await expectError(
      openRegistryImage(ref, "x", { ...opts(), platform: "linux/s390x" }),
      "NOT_FOUND",
      /no image for platform linux\/s390x \(available: linux\/arm64\/v8, linux\/amd64\)/,
    );
  });

  it("lists tags across pages", async () => {
    const img = await buildImage([[{ path: "etc/os-release", content: osRelease }]]);
    for (const t of ["a", "b", "c", "d", "e"]) await pushImage(client, "test/tags", t, img);
    expect((await client.listTags("test/tags", 2)).sort()).toEqual(["a", "b", "c", "d", "e"]);
  });

  it("reports a missing image clearly", async () => {
    await expectError(
      openRegistryImage(parseImageRef(`${reg.host}/test/none:1`), "x", opts()),
      "NOT_FOUND",
      /manifest test\/none:1 not found/,
    );
  });

  it("refuses a blob over the image size limit before pulling it", async () => {
    const img = await buildImage([[{ path: "var/lib/dpkg/status", content: dpkgStatus }]]);
    await pushImage(client, "test/big", "1", img);
    await expectError(
      openRegistryImage(parseImageRef(`${reg.host}/test/big:1`), "x", {
        limits: { ...DEFAULT_LIMITS, maxImageSize: 1000 },
        logger: silentLogger(),
      }),
      "LIMIT",
      /over the 1000-byte limit/,
    );
  });
});

describe("registry with htpasswd basic auth", () => {
  let reg: RunningRegistry;
  let dir: string;
  beforeAll(async () => {
    reg = await startRegistry({ user: "alice", password: "s3cret-pw" });
    dir = mkdtempSync(join(tmpdir(), "vigil-dockercfg-"));
    const client = new RegistryClient(reg.host, {
      credentials: { username: "alice", password: "s3cret-pw", origin: "test" },
    });
    await pushImage(
      client,
      "private/app",
      "1",
      await buildImage([[{ path: "etc/os-release", content: osRelease }]]),
    );
  });
  afterAll(async () => {
    await reg?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("fails clearly without credentials", async () => {
    await expectError(
      openRegistryImage(parseImageRef(`${reg.host}/private/app:1`), "x", {
        ...opts(),
        credentials: { env: {}, dockerConfigDir: dir },
      }),
      "AUTH",
      /requires a username and password/,
    );
  });

  it("fails clearly with wrong credentials and never prints the password", async () => {
    const err = await expectError(
      openRegistryImage(parseImageRef(`${reg.host}/private/app:1`), "x", {
        ...opts(),
        credentials: { username: "alice", password: "wrong-pw-123", env: {} },
      }),
      "AUTH",
      /refused the credentials as "alice"/,
    );
    expect(err.message).not.toContain("wrong-pw-123");
  });

  it("pulls with flags, env, docker config auths and a credential helper", async () => {
    const ref = parseImageRef(`${reg.host}/private/app:1`);
    const viaFlags = await openRegistryImage(ref, "x", {
      ...opts(),
      credentials: { username: "alice", password: "s3cret-pw", env: {} },
    });
    expect(viaFlags.info.digest).toMatch(/^sha256:/);
    await openRegistryImage(ref, "x", {
      ...opts(),
      credentials: { env: { VIGIL_REGISTRY_USER: "alice", VIGIL_REGISTRY_PASSWORD: "s3cret-pw" } },
    });
    writeFileSync(
      join(dir, "config.json"),
      JSON.stringify({ auths: { [reg.host]: { auth: Buffer.from("alice:s3cret-pw").toString("base64") } } }),
    );
    await openRegistryImage(ref, "x", { ...opts(), credentials: { env: {}, dockerConfigDir: dir } });

    // A real credential helper program on PATH (docker-credential-<name> get).
    const bin = mkdtempSync(join(tmpdir(), "vigil-helper-"));
    const helper = join(bin, "docker-credential-vigiltest");
    writeFileSync(
      helper,
      `#!/bin/sh\nread server\nif [ "$server" = "${reg.host}" ]; then echo '{"ServerURL":"'$server'","Username":"alice","Secret":"s3cret-pw"}'; else echo "credentials not found" >&2; exit 1; fi\n`,
    );
    chmodSync(helper, 0o755);
    writeFileSync(join(dir, "config.json"), JSON.stringify({ credHelpers: { [reg.host]: "vigiltest" } }));
    const oldPath = process.env.PATH;
    process.env.PATH = `${bin}:${oldPath}`;
    try {
      const c = await resolveCredentials(reg.host, { env: {}, dockerConfigDir: dir });
      expect(c).toMatchObject({ username: "alice", origin: "credential helper vigiltest" });
      await openRegistryImage(ref, "x", { ...opts(), credentials: { env: {}, dockerConfigDir: dir } });
    } finally {
      process.env.PATH = oldPath;
      rmSync(bin, { recursive: true, force: true });
    }
  });
});

/** A test HTTP server whose handler is swapped per test. */
async function fakeServer(
  handler: (req: IncomingMessage, res: ServerResponse) => void,
): Promise<{ host: string; server: Server }> {
  const port = await freePort();
  const server = createServer(handler);
  await new Promise<void>((r) => server.listen(port, "127.0.0.1", () => r()));
  return { host: `127.0.0.1:${port}`, server };
}

describe("bearer token flow (a token service in front of the real registry)", () => {
  let reg: RunningRegistry;
  let proxy: { host: string; server: Server };
  const seenScopes: string[] = [];
  beforeAll(async () => {
    reg = await startRegistry();
    const c = new RegistryClient(reg.host);
    await pushImage(c, "team/app", "2", await buildImage([[{ path: "etc/os-release", content: osRelease }]]));
    proxy = await fakeServer(async (req, res) => {
      const url = new URL(req.url ?? "/", "http://x");
      if (url.pathname === "/token") {
        const basic = req.headers.authorization ?? "";
        if (basic !== `Basic ${Buffer.from("bob:tok-pw").toString("base64")}`) {
          res.writeHead(401).end();
          return;
        }
        seenScopes.push(url.searchParams.get("scope") ?? "");
        res
          .writeHead(200, { "content-type": "application/json" })
          .end(JSON.stringify({ token: "T0K", expires_in: 300 }));
        return;
      }
      if (req.headers.authorization !== "Bearer T0K") {
        res
          .writeHead(401, {
            "www-authenticate": `Bearer realm="http://${proxy.host}/token",service="test-registry",scope="repository:team/app:pull"`,
          })
          .end();
        return;
      }
      const upstream = await fetch(`${reg.url}${req.url}`, {
        method: req.method,
        headers: { accept: String(req.headers.accept ?? "*/*") },
      });
      const headers: Record<string, string> = {};
      upstream.headers.forEach((v, k) => {
        if (k !== "content-encoding" && k !== "transfer-encoding") headers[k] = v;
      });
      res.writeHead(upstream.status, headers);
      res.end(Buffer.from(await upstream.arrayBuffer()));
    });
  });
  afterAll(async () => {
    proxy?.server.close();
    await reg?.stop();
  });

  it("gets a token for the challenged scope and pulls", async () => {
    const parsed = parseWwwAuthenticate(
      `Bearer realm="https://auth.example/token",service="reg",scope="repository:a/b:pull,push"`,
    );
    expect(parsed).toEqual({
      scheme: "bearer",
      params: { realm: "https://auth.example/token", service: "reg", scope: "repository:a/b:pull,push" },
    });
    const opened = await openRegistryImage(parseImageRef(`${proxy.host}/team/app:2`), "x", {
      ...opts(),
      credentials: { username: "bob", password: "tok-pw", env: {} },
    });
    expect(opened.layers).toHaveLength(1);
    const blob = await streamToBuffer(await opened.openLayerBlob(opened.layers[0]!));
    expect(sha(blob)).toBe(opened.layers[0]!.digest);
    expect(seenScopes).toContain("repository:team/app:pull");
  });
});

describe("hostile registry responses", () => {
  const manifestFor = async () => {
    const img = await buildImage([[{ path: "etc/os-release", content: osRelease }]]);
    return img;
  };

  it("rejects a manifest whose content does not match the digest it claims", async () => {
    const img = await manifestFor();
    const tampered = Buffer.from(img.manifest.toString().replace('"schemaVersion":2', '"schemaVersion":2 '));
    const s = await fakeServer((_req, res) => {
      res
        .writeHead(200, { "content-type": img.mediaType, "docker-content-digest": img.manifestDigest })
        .end(tampered);
    });
    try {
      await expectError(
        openRegistryImage(parseImageRef(`${s.host}/x/y:1`), "x", opts()),
        "DIGEST_MISMATCH",
        /registry says sha256:/,
      );
      await expectError(
        openRegistryImage(parseImageRef(`${s.host}/x/y@${img.manifestDigest}`), "x", opts()),
        "DIGEST_MISMATCH",
        /digest mismatch \(expected/,
      );
    } finally {
      s.server.close();
    }
  });

  it("refuses an oversized manifest", async () => {
    const s = await fakeServer((_req, res) => {
      res.writeHead(200, { "content-type": "application/vnd.oci.image.manifest.v1+json" });
      const chunk = Buffer.alloc(1024 * 1024, 0x20);
      for (let i = 0; i < 6; i++) res.write(chunk);
      res.end();
    });
    try {
      await expectError(openRegistryImage(parseImageRef(`${s.host}/x/y:1`), "x", opts()), "LIMIT", /limit/);
    } finally {
      s.server.close();
    }
  });

  it("stops a redirect loop", async () => {
    const s = await fakeServer((req, res) => {
      res
        .writeHead(307, { location: req.url?.endsWith("/a") ? "/v2/x/y/manifests/b" : "/v2/x/y/manifests/a" })
        .end();
    });
    try {
      await expectError(
        openRegistryImage(parseImageRef(`${s.host}/x/y:a`), "x", opts()),
        "REGISTRY",
        /redirect/,
      );
    } finally {
      s.server.close();
    }
  });

  it("times out a slow-loris body instead of hanging", async () => {
    const s = await fakeServer((_req, res) => {
      res.writeHead(200, { "content-type": "application/vnd.oci.image.manifest.v1+json" });
      res.write("{");
      // never ends
    });
    try {
      const t0 = Date.now();
      await expectError(
        openRegistryImage(parseImageRef(`${s.host}/x/y:1`), "x", {
          ...opts(),
          http: { idleTimeoutMs: 300, retries: 0 },
        }),
        "NETWORK",
        /stalled/,
      );
      expect(Date.now() - t0).toBeLessThan(5000);
    } finally {
      s.server.closeAllConnections();
      s.server.close();
    }
  });

  it("times out a blob body that stalls mid-transfer, and follows a blob redirect without the credentials", async () => {
    let sawAuthOnRedirect: string | undefined;
    const s = await fakeServer((req, res) => {
      if (req.url?.startsWith("/storage/")) {
        sawAuthOnRedirect = req.headers.authorization;
        res.writeHead(200, { "content-length": "1000" });
        res.write(Buffer.alloc(10));
        return; // stalls
      }
      res.writeHead(307, { location: `http://localhost:${s.host.split(":")[1]}/storage/blob` }).end();
    });
    try {
      const c = new RegistryClient(s.host, {
        credentials: { registryToken: "secret-token", origin: "test" },
        http: { idleTimeoutMs: 300, retries: 0 },
      });
      const { stream } = await c.openBlob("x/y", `sha256:${"a".repeat(64)}`);
      const t0 = Date.now();
      await expect(streamToBuffer(stream)).rejects.toThrow(/stalled/);
      expect(Date.now() - t0).toBeLessThan(5000);
      expect(sawAuthOnRedirect).toBeUndefined(); // 127.0.0.1 → localhost is another origin
    } finally {
      s.server.closeAllConnections();
      s.server.close();
    }
  });

  it("retries 429 and 5xx with backoff, then gives up with a clear error", async () => {
    const img = await manifestFor();
    let calls = 0;
    const s = await fakeServer((_req, res) => {
      calls++;
      if (calls <= 2) {
        res.writeHead(calls === 1 ? 429 : 503, { "retry-after": "0" }).end();
        return;
      }
      res.writeHead(200, { "content-type": img.mediaType }).end(img.manifest);
    });
    try {
      const c = new RegistryClient(s.host, { http: { backoffMs: 10 } });
      const m = await c.getManifest("x/y", "1");
      expect(m.digest).toBe(img.manifestDigest);
      expect(calls).toBe(3);
    } finally {
      s.server.close();
    }
    const down = await fakeServer((_req, res) => void res.writeHead(500).end());
    try {
      const c = new RegistryClient(down.host, { http: { backoffMs: 5, retries: 2 } });
      await expectError(c.getManifest("x/y", "1"), "REGISTRY", /answered HTTP 500/);
    } finally {
      down.server.close();
    }
  });

  it("will not send credentials to a plain-HTTP token realm off loopback", async () => {
    const s = await fakeServer((_req, res) => {
      res
        .writeHead(401, { "www-authenticate": 'Bearer realm="http://evil.example/token",service="x"' })
        .end();
    });
    try {
      await expectError(
        openRegistryImage(parseImageRef(`${s.host}/x/y:1`), "x", {
          ...opts(),
          credentials: { username: "u", password: "p", env: {} },
        }),
        "AUTH",
        /non-HTTPS token service/,
      );
    } finally {
      s.server.close();
    }
  });
});
