import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { hashFileRange } from "./worker-pool.js";

const tmp = mkdtempSync(join(tmpdir(), "vigil-worker-pool-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const sha = (b: Buffer) => `sha256:${createHash("sha256").update(b).digest("hex")}`;

// Real bytes: the node binary (several MiB), stored at an offset inside a larger file as a layer inside
// an archive is.
const raw = readFileSync(process.execPath).subarray(0, 5 * 1024 * 1024 + 123);
const prefix = Buffer.alloc(4096, 7);
const file = join(tmp, "archive.bin");
writeFileSync(file, Buffer.concat([prefix, raw, Buffer.alloc(100, 9)]));

describe("hashFileRange", () => {
  it("hashes small ranges inline and large ones in a worker", async () => {
    expect(await hashFileRange({ path: file, offset: 0, length: prefix.length })).toBe(sha(prefix));
    expect(await hashFileRange({ path: file, offset: prefix.length, length: raw.length })).toBe(sha(raw));
  });

  it("runs many jobs, queued, with the right digest each; a short file is an error", async () => {
    const ranges = Array.from({ length: 5 }, (_, i) => ({
      path: file,
      offset: prefix.length + i * 100_000,
      length: raw.length - i * 200_000,
    }));
    const got = await Promise.all(ranges.map((r) => hashFileRange(r)));
    expect(got).toEqual(
      ranges.map((r) => sha(raw.subarray(r.offset - prefix.length, r.offset - prefix.length + r.length))),
    );
    await expect(
      hashFileRange({ path: file, offset: prefix.length, length: raw.length + 10_000 }),
    ).rejects.toThrow(/unexpected end of file/);
    // The pool still works afterwards.
    expect(await hashFileRange({ path: file, offset: prefix.length, length: raw.length })).toBe(sha(raw));
  });

  it("drops queued jobs and lets go of running ones when aborted", async () => {
    const ac = new AbortController();
    const range = { path: file, offset: prefix.length, length: raw.length };
    // Two run (one per worker), the others wait in the queue.
    const jobs = Array.from({ length: 5 }, () => hashFileRange(range, ac.signal));
    ac.abort();
    const results = await Promise.allSettled(jobs);
    expect(results.every((r) => r.status === "rejected" && (r.reason as Error).name === "AbortError")).toBe(
      true,
    );
    await expect(hashFileRange(range, ac.signal)).rejects.toMatchObject({ name: "AbortError" });
    // Later jobs still get their digest.
    expect(await hashFileRange(range)).toBe(sha(raw));
  });
});
