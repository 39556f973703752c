/**
 * The download and update path against a real loopback HTTP server serving corpus files: conditional
 * requests (ETag → 304), retries on 5xx, a failing feed failing the update with the old snapshot intact,
 * installing a snapshot from a URL, and --offline never opening a socket.
 */
import {
  copyFileSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import Database from "better-sqlite3";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { downloadNvdApi, downloadToCache } from "./fetch.js";
import { decodeRecordBlock, encodeRecordBlock } from "./store/codec.js";
import { openSnapshot } from "./store/open.js";
import { updateSnapshot } from "./update.js";

const ADV = fileURLToPath(new URL("../../../shared/corpus/advisories/", import.meta.url));
const FILES: Record<string, string> = {
  "/osv/ghsa.json": `${ADV}osv/ghsa-sample/GHSA-jfh8-c2jp-5v3q.json`,
  "/debian/DSA.list": `${ADV}debian/security-tracker/DSA.list`,
  "/kev.json.gz": `${ADV}kev/known_exploited_vulnerabilities.json.gz`,
  "/epss.csv": `${ADV}epss/vunnel-sample/test-fixtures/example-1.csv`,
  "/alpine/v3.11/main.json": `${ADV}alpine/vuln-list-update-testdata/311-main.json`,
};

let server: Server;
let base: string;
let dir: string;
const hits: { url: string; status: number; inm?: string }[] = [];
/** url → number of 503 answers still to give */
const failures = new Map<string, number>();
const broken = new Set<string>();

function handler(req: IncomingMessage, res: ServerResponse) {
  const u = new URL(req.url ?? "/", "http://x");
  const log = (status: number) =>
    hits.push({ url: u.pathname, status, inm: req.headers["if-none-match"] as string | undefined });
  const left = failures.get(u.pathname) ?? 0;
  if (left > 0 || broken.has(u.pathname)) {
    failures.set(u.pathname, left - 1);
    log(503);
    res.writeHead(503).end("busy");
    return;
  }
  if (u.pathname === "/nvd/rest/json/cves/2.0") {
    // A two-page NVD API built from the real full-page fixture.
    const docs = JSON.parse(readFileSync(`${ADV}nvd/vunnel-sample/test-fixtures/full-page.json`, "utf8"));
    const start = Number(u.searchParams.get("startIndex"));
    const size = Number(u.searchParams.get("resultsPerPage"));
    const vulns = docs.vulnerabilities.slice(start, start + size);
    log(200);
    res.writeHead(200, { "content-type": "application/json" });
    res.end(
      JSON.stringify({
        ...docs,
        startIndex: start,
        resultsPerPage: vulns.length,
        totalResults: docs.vulnerabilities.length,
        vulnerabilities: vulns,
      }),
    );
    return;
  }
  const file = FILES[u.pathname];
  if (!file) {
    log(404);
    res.writeHead(404).end();
    return;
  }
  const etag = `"${statSync(file).size}-${u.pathname.length}"`;
  if (req.headers["if-none-match"] === etag) {
    log(304);
    res.writeHead(304, { etag }).end();
    return;
  }
  log(200);
  res.writeHead(200, { etag, "last-modified": new Date(0).toUTCString() });
  res.end(readFileSync(file));
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "vigil-update-"));
  server = createServer(handler);
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise<void>((r) => server.close(() => r()));
  rmSync(dir, { recursive: true, force: true });
});
beforeEach(() => {
  hits.length = 0;
  failures.clear();
  broken.clear();
});

const fetchOpts = () => ({ dir: join(dir, "cache"), backoffMs: 5, attempts: 3 });

describe("downloads", () => {
  it("caches with ETag: the second request is a 304 and serves the cached file", async () => {
    const a = await downloadToCache(`${base}/osv/ghsa.json`, fetchOpts());
    expect(a.fresh).toBe(true);
    const b = await downloadToCache(`${base}/osv/ghsa.json`, fetchOpts());
    expect(b).toEqual({ path: a.path, fresh: false });
    expect(hits.map((h) => h.status)).toEqual([200, 304]);
    expect(hits[1]!.inm).toMatch(/^"\d+-/);
    expect(readFileSync(a.path, "utf8")).toContain("GHSA-jfh8-c2jp-5v3q");
  });

  it("retries 5xx answers, then gives up with a NETWORK error naming the URL", async () => {
    failures.set("/epss.csv", 2);
    const r = await downloadToCache(`${base}/epss.csv`, fetchOpts());
    expect(r.fresh).toBe(true);
    expect(hits.map((h) => h.status)).toEqual([503, 503, 200]);
    broken.add("/kev.json.gz");
    await expect(downloadToCache(`${base}/kev.json.gz`, fetchOpts())).rejects.toMatchObject({
      code: "NETWORK",
      message: expect.stringMatching(/kev\.json\.gz: HTTP 503 \(after 3 attempts\)/),
    });
  });

  it("a 404 fails at once with FEED; --offline without a cached copy fails without any request", async () => {
    await expect(downloadToCache(`${base}/missing.json`, fetchOpts())).rejects.toMatchObject({
      code: "FEED",
    });
    expect(hits).toHaveLength(1);
    hits.length = 0;
    await expect(downloadToCache(`${base}/never.json`, { ...fetchOpts(), offline: true })).rejects.toThrow(
      /offline/,
    );
    expect(hits).toHaveLength(0);
  });

  it("pages through the NVD API", async () => {
    const d = await downloadNvdApi(`${base}/nvd/rest/json/cves/2.0`, {
      ...fetchOpts(),
      pageSize: 15,
      pauseMs: 1,
    });
    expect(readdirSync(d).sort()).toEqual([
      ".complete",
      "page-00000.json",
      "page-00001.json",
      "page-00002.json",
    ]);
  });
});

describe("db update", () => {
  const sources = () => [
    `osv=${base}/osv/ghsa.json`,
    `${base}/debian/DSA.list`,
    `${base}/kev.json.gz`,
    `${base}/epss.csv`,
    `${base}/alpine/v3.11/main.json`,
    `nvd=${base}/nvd/rest/json/cves/2.0`,
  ];

  it("rebuilds from feed URLs, is a no-op when nothing changed, keeps the old snapshot when a feed fails", async () => {
    const target = join(dir, "db", "current.sqlite");
    const fetch = { ...fetchOpts(), pauseMs: 1 };
    const r1 = await updateSnapshot({ target, sources: sources(), fetch });
    expect(r1.changed).toBe(true);
    const s = openSnapshot(target);
    expect(s.lookup("maven", "org.apache.logging.log4j:log4j-core")).toHaveLength(3);
    expect(s.cveFacts("CVE-2025-48384")!.kev!.vendor).toBe("Git");
    expect(s.cveFacts("CVE-1999-0001")!.epss!.score).toBe(0.00383);
    expect(s.lookup("alpine:3.11", "apache2")[0]!.advisoryId).toBe("ALPINE-CVE-2018-1333");
    expect(s.getAdvisory("CVE-2023-27314")!.source).toBe("nvd");
    const hash = s.manifest.contentHash;
    s.close();
    const before = statSync(target).mtimeMs;

    hits.length = 0;
    const r2 = await updateSnapshot({ target, sources: sources(), fetch });
    expect(r2.changed).toBe(false);
    expect(hits.filter((h) => !h.url.startsWith("/nvd")).every((h) => h.status === 304)).toBe(true);

    broken.add("/debian/DSA.list");
    await expect(updateSnapshot({ target, sources: sources(), fetch })).rejects.toMatchObject({
      code: "NETWORK",
    });
    expect(statSync(target).mtimeMs).toBe(before);
    const again = openSnapshot(target);
    expect(again.manifest.contentHash).toBe(hash);
    again.close();
    expect(readdirSync(join(dir, "db"))).toEqual(["current.sqlite"]);
  }, 60_000);

  it("--offline rebuilds from the download cache without opening a socket", async () => {
    const target = join(dir, "offline", "current.sqlite");
    hits.length = 0;
    const r = await updateSnapshot({
      target,
      sources: sources().slice(0, 4),
      offline: true,
      fetch: fetchOpts(),
    });
    expect(r.changed).toBe(true);
    expect(hits).toHaveLength(0);
  });

  it("installs a snapshot from a file or URL after verifying it; a corrupt one is rejected", async () => {
    const src = join(dir, "db", "current.sqlite");
    FILES["/snap.sqlite"] = src;
    const target = join(dir, "installed", "current.sqlite");
    const r = await updateSnapshot({ target, from: `${base}/snap.sqlite`, fetch: fetchOpts() });
    expect(r.changed).toBe(true);
    // a record altered after the build (valid blob, wrong content) fails the content-hash check
    const bad = join(dir, "bad.sqlite");
    copyFileSync(src, bad);
    const w = new Database(bad);
    const row = w.prepare("SELECT data FROM blocks WHERE bid = 0").get() as { data: Buffer };
    const decoded = decodeRecordBlock<{ r: { summary?: string } }>(row.data);
    const block = decoded.ids.map((_, i) => decoded.record(i)!);
    block[0]!.r.summary = "tampered";
    w.prepare("UPDATE blocks SET data = ? WHERE bid = 0").run(encodeRecordBlock(decoded.ids, block));
    w.close();
    await expect(updateSnapshot({ target, from: bad })).rejects.toMatchObject({
      code: "ADVISORY_DB",
      message: expect.stringMatching(/does not match its hash/),
    });
    // a truncated file fails too
    writeFileSync(bad, readFileSync(src).subarray(0, 50_000));
    await expect(updateSnapshot({ target, from: bad })).rejects.toMatchObject({ code: "ADVISORY_DB" });
    expect(openSnapshot(target).manifest.contentHash).toBe(r.manifest.contentHash);
    await expect(updateSnapshot({ target, from: join(dir, "nope.sqlite") })).rejects.toMatchObject({
      code: "NOT_FOUND",
    });
    expect(existsSync(target)).toBe(true);
  });
});
