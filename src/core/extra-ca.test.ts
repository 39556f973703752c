import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer as createHttpsServer } from "node:https";
import { networkInterfaces, tmpdir } from "node:os";
import { join } from "node:path";
import { rootCertificates } from "node:tls";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { request } from "../advisory/fetch.js";
import { RegistryClient } from "../image/registry/client.js";
import { httpGetStream, httpRequest } from "../image/registry/http.js";
import { buildImage, pushImage } from "../image/registry/test-helpers/image-builder.js";
import { type RunningRegistry, startRegistry } from "../image/registry/test-helpers/registry-server.js";
import { VigilError } from "./errors.js";
import { connectionFailure, isCertificateFailure, loadExtraCa } from "./extra-ca.js";

const repo = fileURLToPath(new URL("../..", import.meta.url));
const LAUNCHER = join(repo, "bin/vigil.cjs");
const MAIN = join(repo, "dist/cli/vigil.cjs");
/** The first packages of this machine's dpkg database, whole stanzas. */
const dpkgHead = () => {
  const text = readFileSync("/var/lib/dpkg/status", "utf8").slice(0, 50_000);
  return text.slice(0, text.lastIndexOf("\n\n") + 2);
};
const work = mkdtempSync(join(tmpdir(), "vigil-extra-ca-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** A CA, and a server certificate it signed for the IP addresses, made by the openssl CLI. */
function makePki(dir: string, ...ips: string[]): { ca: string; cert: string; key: string } {
  const ossl = (...args: string[]) => execFileSync("openssl", args, { cwd: dir, stdio: "pipe" });
  const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
  ossl(
    "req",
    "-x509",
    ...ec,
    "-keyout",
    "ca.key",
    "-out",
    "ca.pem",
    "-days",
    "2",
    "-subj",
    "/CN=Vigil test CA",
  );
  ossl("req", ...ec, "-keyout", "srv.key", "-out", "srv.csr", "-subj", "/CN=registry");
  writeFileSync(join(dir, "ext.cnf"), `subjectAltName=${ips.map((ip) => `IP:${ip}`).join(",")}\n`);
  ossl(
    "x509",
    "-req",
    "-in",
    "srv.csr",
    "-CA",
    "ca.pem",
    "-CAkey",
    "ca.key",
    "-CAcreateserial",
    "-out",
    "srv.pem",
    "-days",
    "2",
    "-extfile",
    "ext.cnf",
  );
  return { ca: join(dir, "ca.pem"), cert: join(dir, "srv.pem"), key: join(dir, "srv.key") };
}

// TLS to a loopback registry is never tried (Vigil speaks plain HTTP to loopback hosts, as Docker does),
// so the registry listens on one of this machine's own non-loopback addresses.
const ip = Object.values(networkInterfaces())
  .flat()
  .find((a) => a && a.family === "IPv4" && !a.internal)?.address;

/**
 * The private CA of this file's servers. This process trusts it as the launcher would make Vigil trust
 * it (VIGIL_EXTRA_CA_CERTS, read on the first connection); the CLI runs below choose their own.
 */
const trusted = makePki(mkdtempSync(join(work, "pki-")), "127.0.0.1", ...(ip ? [ip] : []));
process.env.VIGIL_EXTRA_CA_CERTS = trusted.ca;
afterAll(() => {
  delete process.env.VIGIL_EXTRA_CA_CERTS;
});

/** An HTTPS server on 127.0.0.1 answering "ok", counting the connections it accepts. */
async function httpsServer(pki: { cert: string; key: string }) {
  const server = createHttpsServer({ cert: readFileSync(pki.cert), key: readFileSync(pki.key) }, (_, res) =>
    res.end("ok"),
  );
  const stats = { connections: 0 };
  server.on("connection", () => stats.connections++);
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as { port: number }).port;
  return { url: `https://127.0.0.1:${port}/feed.json`, stats, close: () => server.close() };
}

describe("advisory downloads over TLS", () => {
  it("trust the private CA", async () => {
    const srv = await httpsServer(trusted);
    try {
      const res = await request(srv.url, {}, { attempts: 1 });
      expect(await res.text()).toBe("ok");
    } finally {
      srv.close();
    }
  });

  it("stop at the first untrusted certificate, saying why", async () => {
    const stranger = makePki(mkdtempSync(join(work, "pki-")), "127.0.0.1");
    const srv = await httpsServer(stranger);
    try {
      const err = await request(srv.url, {}, { attempts: 4, backoffMs: 10 }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(VigilError);
      expect((err as VigilError).code).toBe("NETWORK");
      expect((err as VigilError).message).toMatch(
        /TLS certificate is not trusted \(UNABLE_TO_VERIFY_LEAF_SIGNATURE: .*\); .*NODE_EXTRA_CA_CERTS/,
      );
      expect(srv.stats.connections).toBe(1); // no retry
      // The registry client's requests and blob streams alike.
      for (const call of [() => httpRequest(srv.url), () => httpGetStream(srv.url, {})]) {
        const before = srv.stats.connections;
        await expect(call()).rejects.toThrow(/TLS certificate is not trusted/);
        expect(srv.stats.connections - before).toBe(1);
      }
    } finally {
      srv.close();
    }
  });
});

describe("connectionFailure", () => {
  it("tells an untrusted certificate from an invalid one and from other failures", () => {
    expect(
      connectionFailure("SELF_SIGNED_CERT_IN_CHAIN", "self-signed certificate in certificate chain"),
    ).toBe(
      "the server's TLS certificate is not trusted (SELF_SIGNED_CERT_IN_CHAIN: self-signed certificate in certificate chain); for a server behind a private CA, point NODE_EXTRA_CA_CERTS at the CA's certificate (PEM)",
    );
    expect(connectionFailure("CERT_HAS_EXPIRED", "certificate has expired")).toBe(
      "the server's TLS certificate is not valid for this connection (CERT_HAS_EXPIRED: certificate has expired)",
    );
    expect(connectionFailure("ECONNREFUSED", "connect ECONNREFUSED")).toBe("ECONNREFUSED");
    expect(connectionFailure(undefined, "fetch failed")).toBe("fetch failed");
    expect(isCertificateFailure("ERR_TLS_CERT_ALTNAME_INVALID")).toBe(true);
    expect(isCertificateFailure("ECONNRESET")).toBe(false);
  });
});

describe("loadExtraCa", () => {
  it("adds every PEM certificate of the file to Node's bundled roots", () => {
    const pki = makePki(mkdtempSync(join(work, "pki-")), "192.0.2.1");
    const two = join(work, "two.pem");
    writeFileSync(two, `junk before\n${readFileSync(pki.ca, "utf8")}\n${readFileSync(pki.cert, "utf8")}`);
    const warnings: string[] = [];
    const got = loadExtraCa(two, (m) => warnings.push(m));
    expect(warnings).toEqual([]);
    expect(got?.added).toBe(2);
    expect(got?.ca.length).toBe(rootCertificates.length + 2);
    expect(got?.ca.slice(0, rootCertificates.length)).toEqual(rootCertificates);
    expect(got?.ca.at(-2)).toBe(readFileSync(pki.ca, "utf8").trim());
  });

  it("leaves out, with a warning, PEM blocks that are not certificates", () => {
    const mixed = join(work, "mixed.pem");
    const garbage = "-----BEGIN CERTIFICATE-----\nZm9vYmFy\n-----END CERTIFICATE-----";
    writeFileSync(mixed, `${garbage}\n${readFileSync(trusted.ca, "utf8")}`);
    const warnings: string[] = [];
    const got = loadExtraCa(mixed, (m) => warnings.push(m));
    expect(got?.added).toBe(1);
    expect(got?.ca.at(-1)).toBe(readFileSync(trusted.ca, "utf8").trim());
    expect(warnings).toEqual([`ignoring 1 of the 2 certificates in ${mixed}: it does not parse`]);
    const only = join(work, "garbage.pem");
    writeFileSync(only, garbage);
    warnings.length = 0;
    expect(loadExtraCa(only, (m) => warnings.push(m))).toBeUndefined();
    expect(warnings).toEqual([
      `ignoring extra CA certificates from ${only}: none of its 1 PEM blocks parses as a certificate`,
    ]);
  });

  it("warns and adds nothing for a missing file or one without a certificate", () => {
    const warnings: string[] = [];
    expect(loadExtraCa(join(work, "absent.pem"), (m) => warnings.push(m))).toBeUndefined();
    const empty = join(work, "empty.pem");
    writeFileSync(empty, "not a certificate\n");
    expect(loadExtraCa(empty, (m) => warnings.push(m))).toBeUndefined();
    expect(warnings).toEqual([
      `ignoring extra CA certificates from ${join(work, "absent.pem")}: ENOENT`,
      `ignoring extra CA certificates from ${empty}: no PEM certificate in it`,
    ]);
  });
});

describe("the launcher defers NODE_EXTRA_CA_CERTS", () => {
  it("a command that opens no connection never reads the file (Node itself would, at start)", () => {
    const env = { ...process.env, NODE_EXTRA_CA_CERTS: join(work, "absent.pem") };
    const direct = spawnSync(process.execPath, [MAIN, "--version"], { encoding: "utf8", env });
    expect(direct.stderr).toMatch(/Ignoring extra certs/);
    const launched = spawnSync(LAUNCHER, ["--version"], { encoding: "utf8", env });
    expect(launched.status).toBe(0);
    expect(launched.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
    expect(launched.stderr).toBe("");
  });

  it("leaves the variable to Node when NODE_OPTIONS chooses another CA store", () => {
    const env = {
      ...process.env,
      NODE_EXTRA_CA_CERTS: join(work, "absent.pem"),
      NODE_OPTIONS: "--use-openssl-ca",
    };
    const launched = spawnSync(LAUNCHER, ["--version"], { encoding: "utf8", env });
    expect(launched.status).toBe(0);
    expect(launched.stderr).toMatch(/Ignoring extra certs/);
  });
});

describe.skipIf(!ip)("a registry behind a private CA (real registry, TLS)", () => {
  let reg: RunningRegistry;
  const pki = trusted;
  let ref: string;
  const cache = join(work, "cache");
  const base: NodeJS.ProcessEnv = { ...process.env, VIGIL_CACHE_DIR: cache, VIGIL_DEBUG: "" };
  delete base.NODE_EXTRA_CA_CERTS;
  delete base.VIGIL_EXTRA_CA_CERTS;
  delete base.NODE_OPTIONS;
  const sbom = (command: string[], env: NodeJS.ProcessEnv) => {
    rmSync(cache, { recursive: true, force: true });
    return spawnSync(command[0]!, [...command.slice(1), "sbom", "-q", "--format", "json", ref], {
      encoding: "utf8",
      env,
      timeout: 60_000,
    });
  };

  beforeAll(async () => {
    reg = await startRegistry({
      address: ip!,
      tls: { certFile: pki.cert, keyFile: pki.key, ca: readFileSync(pki.ca, "utf8") },
    });
    // This process's own pushes go through fetch with the extra CA (prepareTls, the global dispatcher).
    const img = await buildImage([
      [{ path: "etc/os-release", content: readFileSync("/etc/os-release", "utf8") }],
      [
        {
          path: "var/lib/dpkg/status",
          content: dpkgHead(),
        },
      ],
    ]);
    await pushImage(new RegistryClient(reg.host), "test/private-ca", "1.0", img);
    ref = `registry://${reg.host}/test/private-ca:1.0`;
  }, 60_000);
  afterAll(async () => {
    await reg?.stop();
  });

  it("pulls through the launcher with NODE_EXTRA_CA_CERTS (manifest by fetch, blobs by https)", () => {
    const r = sbom([LAUNCHER], { ...base, NODE_EXTRA_CA_CERTS: pki.ca });
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    const doc = JSON.parse(r.stdout) as { packages: { type: string }[] };
    expect(doc.packages.filter((p) => p.type === "deb").length).toBeGreaterThan(5);
  });

  it("pulls when started as node dist/cli/vigil.cjs (Node's own handling of the variable)", () => {
    const r = sbom([process.execPath, MAIN], { ...base, NODE_EXTRA_CA_CERTS: pki.ca });
    expect(r.status).toBe(0);
  });

  it("refuses the registry without the CA, saying why", () => {
    const r = sbom([LAUNCHER], base);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(
      /TLS certificate is not trusted \(UNABLE_TO_VERIFY_LEAF_SIGNATURE: .*\); .*NODE_EXTRA_CA_CERTS/,
    );
  });

  it("an unreadable certificate file is a warning, then the default roots refuse the registry", () => {
    const r = sbom([LAUNCHER], { ...base, NODE_EXTRA_CA_CERTS: join(work, "absent.pem") });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain(
      `vigil: warning: ignoring extra CA certificates from ${join(work, "absent.pem")}`,
    );
    expect(r.stderr).toMatch(/TLS certificate is not trusted/);
  });
});
