import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { VigilError } from "../core/errors.js";
import { silentLogger } from "../core/logger.js";
import { RegistryClient } from "../image/registry/client.js";
import {
  freePort,
  type RunningRegistry,
  startRegistry,
} from "../image/registry/test-helpers/registry-server.js";
import { pullSnapshotArtifact, pushSnapshotArtifact, SNAPSHOT_LAYER_TYPE } from "./oci-artifact.js";
import { buildSnapshot } from "./store/build.js";
import { openSnapshot } from "./store/open.js";
import { updateSnapshot } from "./update.js";

const repo = new URL("../../", import.meta.url).pathname;
let reg: RunningRegistry;
let dir: string;
let snapshot: string;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "vigil-oci-db-"));
  snapshot = join(dir, "built.sqlite");
  await buildSnapshot({ sources: [join(repo, "advisories/example")], out: snapshot });
  reg = await startRegistry();
});
afterAll(async () => {
  await reg?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe("advisory snapshots as OCI artifacts in a real registry", () => {
  it("pushes a snapshot and installs it with db update --from oci://", async () => {
    const logger = silentLogger();
    const digest = await pushSnapshotArtifact(snapshot, `${reg.host}/vigil/advisories:latest`, { logger });
    expect(digest).toMatch(/^sha256:/);
    const manifest = (await new RegistryClient(reg.host).getManifest("vigil/advisories", "latest")).json as {
      artifactType: string;
      layers: { mediaType: string }[];
    };
    expect(manifest.artifactType).toBe("application/vnd.vigil.advisory-snapshot.v1");
    expect(manifest.layers[0]!.mediaType).toBe(SNAPSHOT_LAYER_TYPE);

    const target = join(dir, "current.sqlite");
    const r = await updateSnapshot({ target, from: `oci://${reg.host}/vigil/advisories:latest`, logger });
    expect(r.changed).toBe(true);
    expect(readFileSync(target).equals(readFileSync(snapshot))).toBe(true);
    const store = openSnapshot(target);
    expect(store.manifest.contentHash).toBe(r.manifest.contentHash);
    store.close();
    // the same snapshot again: nothing to do
    expect(
      (await updateSnapshot({ target, from: `oci://${reg.host}/vigil/advisories:latest`, logger })).changed,
    ).toBe(false);
    // --offline never opens a socket
    await expect(
      updateSnapshot({ target, from: `oci://${reg.host}/vigil/advisories:latest`, offline: true, logger }),
    ).rejects.toThrow(/--offline cannot pull/);
  });

  it("refuses an image that is not a snapshot artifact, and a blob that does not match its digest", async () => {
    const client = new RegistryClient(reg.host);
    const cfg = Buffer.from("{}");
    const cfgDigest = await client.pushBlob("not/db", cfg);
    const m = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: "application/vnd.oci.image.manifest.v1+json",
        config: { mediaType: "application/vnd.oci.empty.v1+json", digest: cfgDigest, size: 2 },
        layers: [],
      }),
    );
    await client.pushManifest("not/db", "1", "application/vnd.oci.image.manifest.v1+json", m);
    const err = await pullSnapshotArtifact(`${reg.host}/not/db:1`, join(dir, "x.sqlite"), {
      logger: silentLogger(),
    }).catch((e) => e);
    expect(err).toBeInstanceOf(VigilError);
    expect((err as VigilError).message).toMatch(/is not a Vigil advisory snapshot/);

    // A registry that serves other bytes than the manifest's digest names.
    const real = (await client.getManifest("vigil/advisories", "latest")).bytes;
    const port = await freePort();
    const server = createServer((req, res) => {
      if (req.url?.includes("/manifests/")) {
        res.writeHead(200, { "content-type": "application/vnd.oci.image.manifest.v1+json" }).end(real);
        return;
      }
      const body = Buffer.from(readFileSync(snapshot));
      body[body.length - 1] ^= 0xff;
      res.writeHead(200, { "content-length": String(body.length) }).end(body);
    });
    await new Promise<void>((r) => server.listen(port, "127.0.0.1", () => r()));
    try {
      const bad = await pullSnapshotArtifact(
        `127.0.0.1:${port}/vigil/advisories:latest`,
        join(dir, "y.sqlite"),
        {
          logger: silentLogger(),
        },
      ).catch((e) => e);
      expect((bad as VigilError).code).toBe("DIGEST_MISMATCH");
    } finally {
      server.close();
    }
  });
});
