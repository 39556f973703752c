/**
 * SHA-256 of local file ranges in worker threads, so that a header-seeking walk on the main thread
 * and the digest check of the same layer run at once (two layers hash on two cores).
 */
import { createHash } from "node:crypto";
import { open } from "node:fs/promises";
import { Worker } from "node:worker_threads";
import type { LayerFileRange } from "../types.js";

// Plain JS so that it runs the same from src (vitest) and from dist.
const WORKER_SOURCE = `
const { parentPort } = require("node:worker_threads");
const fs = require("node:fs");
const crypto = require("node:crypto");
const buf = Buffer.allocUnsafe(4 * 1024 * 1024);
parentPort.on("message", (m) => {
  let fd;
  try {
    fd = fs.openSync(m.path, "r");
    const h = crypto.createHash("sha256");
    let pos = m.offset;
    let left = m.length;
    while (left > 0) {
      const n = fs.readSync(fd, buf, 0, Math.min(buf.length, left), pos);
      if (n === 0) throw new Error("unexpected end of file");
      h.update(n === buf.length ? buf : buf.subarray(0, n));
      pos += n;
      left -= n;
    }
    parentPort.postMessage({ id: m.id, digest: "sha256:" + h.digest("hex") });
  } catch (e) {
    parentPort.postMessage({ id: m.id, error: String(e && e.message || e) });
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
});
`;

const POOL_SIZE = 2;
/** Below this size hashing inline is cheaper than a worker round trip. */
const INLINE_MAX = 4 * 1024 * 1024;

interface PoolWorker {
  worker: Worker;
  busy: number;
}

let pool: PoolWorker[] | undefined;
let nextId = 1;
const waiting = new Map<
  number,
  { resolve: (d: string) => void; reject: (e: Error) => void; w: PoolWorker }
>();
let idleTimer: NodeJS.Timeout | undefined;

function getPool(): PoolWorker[] {
  if (pool) return pool;
  pool = [];
  for (let i = 0; i < POOL_SIZE; i++) {
    const worker = new Worker(WORKER_SOURCE, { eval: true });
    worker.unref();
    const pw: PoolWorker = { worker, busy: 0 };
    worker.on("message", (m: { id: number; digest?: string; error?: string }) => {
      const w = waiting.get(m.id);
      if (!w) return;
      waiting.delete(m.id);
      // An idle worker must not keep the process alive; a busy one must (its result is awaited).
      if (--w.w.busy === 0) w.w.worker.unref();
      if (m.digest) w.resolve(m.digest);
      else w.reject(new Error(m.error ?? "hash failed"));
      scheduleIdle();
    });
    worker.on("error", (e) => {
      for (const [id, w] of waiting) {
        if (w.w === pw) {
          waiting.delete(id);
          w.reject(e);
        }
      }
      pool = pool?.filter((x) => x !== pw);
      if (pool?.length === 0) pool = undefined;
    });
    pool.push(pw);
  }
  return pool;
}

/** Terminate idle workers shortly after the last job so a library caller's process can exit cleanly. */
function scheduleIdle(): void {
  if (idleTimer) clearTimeout(idleTimer);
  idleTimer = setTimeout(() => {
    if (waiting.size === 0 && pool) {
      const p = pool;
      pool = undefined;
      for (const w of p) void w.worker.terminate();
    }
  }, 2000);
  idleTimer.unref();
}

async function hashInline(r: LayerFileRange): Promise<string> {
  const fh = await open(r.path, "r");
  try {
    const buf = Buffer.allocUnsafe(r.length);
    const { bytesRead } = await fh.read(buf, 0, r.length, r.offset);
    if (bytesRead !== r.length) throw new Error("unexpected end of file");
    return `sha256:${createHash("sha256").update(buf).digest("hex")}`;
  } finally {
    await fh.close();
  }
}

export function hashFileRange(r: LayerFileRange): Promise<string> {
  if (r.length <= INLINE_MAX) return hashInline(r);
  const workers = getPool();
  const w = workers.reduce((a, b) => (b.busy < a.busy ? b : a));
  if (w.busy++ === 0) w.worker.ref();
  const id = nextId++;
  return new Promise<string>((resolve, reject) => {
    waiting.set(id, { resolve, reject, w });
    w.worker.postMessage({ id, path: r.path, offset: r.offset, length: r.length });
  });
}
