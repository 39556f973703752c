// A file of its own: vitest runs each test file in a fresh process (forks pool), so no hashing worker has
// started yet when the first test below runs.
import { createHash } from "node:crypto";
import { closeSync, ftruncateSync, mkdtempSync, openSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { hashFileRange, helpWhileWorkersStart } from "./worker-pool.js";

const tmp = mkdtempSync(join(tmpdir(), "vigil-worker-start-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
// A sparse file of 64 GiB: a job over most of it runs far past the test's timeout, so a job that this
// thread took when it should not have shows up as a timeout.
const huge = join(tmp, "sparse.bin");
const fd = openSync(huge, "w");
ftruncateSync(fd, 64 * 1024 ** 3);
closeSync(fd);
const GiB = 1024 ** 3;
const MiB = 1024 ** 2;
function zeros(mib: number): string {
  const h = createHash("sha256");
  const block = Buffer.alloc(MiB);
  for (let i = 0; i < mib; i++) h.update(block);
  return `sha256:${h.digest("hex")}`;
}
/** A job and whether its promise has settled. */
function job(offset: number, length: number, signal: AbortSignal) {
  const j = { settled: false, digest: undefined as string | undefined, p: Promise.resolve() };
  j.p = hashFileRange({ path: huge, offset, length }, signal).then(
    (d) => {
      j.settled = true;
      j.digest = d;
    },
    () => {
      j.settled = true;
    },
  );
  return j;
}

describe("helpWhileWorkersStart (this thread hashes a small job while the worker starts)", () => {
  it("takes the smallest job while no worker has begun, never the largest nor one over a quarter of the bytes waiting", async () => {
    const ac = new AbortController();
    // Sent largest first, as the walk does. The two long ones would take minutes: this thread must take
    // neither (the first is the largest; the second is over a quarter of what waits once the small one is
    // done), and no worker reaches the small one before the test ends.
    const big = job(0, 40 * GiB, ac.signal);
    const mid = job(40 * GiB, 20 * GiB, ac.signal);
    const small = job(60 * GiB, 64 * MiB, ac.signal);
    await helpWhileWorkersStart();
    expect(small.settled).toBe(true);
    expect(small.digest).toBe(zeros(64));
    expect(big.settled || mid.settled).toBe(false);
    ac.abort();
    await Promise.all([big.p, mid.p]);
  }, 30_000);

  it("takes nothing once a worker has begun a job", async () => {
    const ac = new AbortController();
    // One long job per hashing worker (one on two cores, two with more); the small one waits behind them.
    const big = job(0, 40 * GiB, ac.signal);
    const big2 = job(40 * GiB, 20 * GiB, ac.signal);
    const small = job(60 * GiB, 64 * MiB, ac.signal);
    await new Promise((r) => setTimeout(r, 50)); // the workers, up since the test above, begin theirs
    await helpWhileWorkersStart();
    await new Promise((r) => setTimeout(r, 200));
    expect(small.settled).toBe(false); // still waiting: this thread did not take it
    ac.abort();
    await Promise.all([big.p, big2.p, small.p]);
  }, 30_000);
});
