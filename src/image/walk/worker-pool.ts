/**
 * Byte work on local layer files in worker threads, off the main thread where the tar walk runs:
 *
 * - `hashFileRange`: SHA-256 of a file range (an uncompressed layer read by seeking header to header).
 * - `inflateFileRange`: read a gzip layer, hash its stored bytes and its uncompressed bytes, and hand the
 *   uncompressed bytes back in 1 MiB chunks whose buffers are transferred, not copied, and go back to
 *   the worker once consumed. Credit-based flow control: a slow consumer bounds the worker's memory.
 *
 * On the main thread, a gzip layer would otherwise cost a zlib completion callback per output chunk and
 * both digests (about as much main-thread CPU as the thread pool spends inflating); with two layers read
 * at once that made the main thread the bottleneck. Two workers: the walk reads two layers at once.
 */
import { createHash } from "node:crypto";
import { open } from "node:fs/promises";
import { Worker } from "node:worker_threads";
import type { LayerFileRange } from "../types.js";

// Plain JS (node: built-ins only) so that it runs the same from src (vitest) and from dist.
const WORKER_SOURCE = `
const { parentPort } = require("node:worker_threads");
const fs = require("node:fs");
const zlib = require("node:zlib");
const crypto = require("node:crypto");
const buf = Buffer.allocUnsafe(4 * 1024 * 1024);
const jobs = new Map();
function hash(m) {
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
    parentPort.postMessage({ id: m.id, type: "digest", digest: "sha256:" + h.digest("hex") });
  } catch (e) {
    parentPort.postMessage({ id: m.id, type: "error", error: String((e && e.message) || e) });
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}
const CHUNK = 1024 * 1024;
function inflate(m) {
  const stored = crypto.createHash("sha256");
  const diff = crypto.createHash("sha256");
  let storedBytes = 0;
  let rawBytes = 0;
  let done = false;
  let inputEnded = false;
  let gunzipEnded = false;
  // File mode reads the range itself; push mode gets the stored bytes from the main thread (a download).
  const input = m.push
    ? new (require("node:stream").PassThrough)({ highWaterMark: CHUNK })
    : fs.createReadStream(m.path, { start: m.offset, end: m.offset + m.length - 1, highWaterMark: CHUNK });
  const gunzip = zlib.createGunzip({ chunkSize: CHUNK });
  // Output chunks not yet hashed and sent, and the transfer buffers the consumer gave back.
  const pending = [];
  const free = [];
  let scheduled = false;
  const job = { credit: m.credit, gunzip, free, input };
  jobs.set(m.id, job);
  const fail = (e) => {
    if (done) return;
    done = true;
    jobs.delete(m.id);
    input.destroy();
    gunzip.destroy();
    parentPort.postMessage({ id: m.id, type: "error", error: String((e && e.message) || e), code: e && e.code });
  };
  job.cancel = () => fail(new Error("cancelled"));
  // Hash and send outside zlib's completion callback, so the thread pool inflates the next chunk
  // meanwhile (zlib emits 'data' before it schedules more work).
  const drain = () => {
    scheduled = false;
    while (pending.length > 0 && !done) {
      const c = pending.shift();
      diff.update(c);
      rawBytes += c.length;
      const ab = free.pop() || new ArrayBuffer(CHUNK);
      new Uint8Array(ab, 0, c.length).set(c);
      parentPort.postMessage({ id: m.id, type: "data", buf: ab, length: c.length, storedBytes, rawBytes }, [ab]);
    }
  };
  const finish = () => {
    if (done || !inputEnded || !gunzipEnded) return;
    drain();
    if (!m.push && storedBytes !== m.length) return fail(new Error("unexpected end of file"));
    done = true;
    jobs.delete(m.id);
    parentPort.postMessage({
      id: m.id,
      type: "end",
      stored: "sha256:" + stored.digest("hex"),
      diff: "sha256:" + diff.digest("hex"),
      storedBytes,
      rawBytes,
    });
  };
  input.on("data", (c) => {
    stored.update(c);
    storedBytes += c.length;
  });
  input.on("error", fail);
  gunzip.on("error", fail);
  gunzip.on("data", (c) => {
    pending.push(c);
    if (--job.credit <= 0) gunzip.pause();
    if (!scheduled) {
      scheduled = true;
      queueMicrotask(drain);
    }
  });
  input.on("end", () => {
    inputEnded = true;
    finish();
  });
  gunzip.on("end", () => {
    gunzipEnded = true;
    finish();
  });
  input.pipe(gunzip);
}
parentPort.on("message", (m) => {
  if (m.type === "hash") hash(m);
  else if (m.type === "inflate") inflate(m);
  else if (m.type === "credit") {
    const j = jobs.get(m.id);
    if (!j) return;
    if (m.buf) j.free.push(m.buf);
    if (++j.credit > 0 && j.gunzip.isPaused()) j.gunzip.resume();
  } else if (m.type === "input") {
    // Push mode: acknowledged once the bytes are through, so the sender keeps a bounded amount in flight.
    const j = jobs.get(m.id);
    if (j) j.input.write(Buffer.from(m.buf), () => parentPort.postMessage({ id: m.id, type: "ack" }));
  } else if (m.type === "input-end") jobs.get(m.id)?.input.end();
  else if (m.type === "cancel") jobs.get(m.id)?.cancel();
});
`;

const POOL_SIZE = 2;
/** Below this size hashing inline is cheaper than a worker round trip. */
const INLINE_MAX = 4 * 1024 * 1024;
/** Uncompressed chunks (up to 1 MiB each) a worker may have in flight before the consumer takes them. */
const INFLATE_CREDIT = 4;

type WorkerMessage =
  | { id: number; type: "digest"; digest: string }
  | { id: number; type: "ack" }
  | { id: number; type: "error"; error: string; code?: string }
  | { id: number; type: "data"; buf: ArrayBuffer; length: number; storedBytes: number; rawBytes: number }
  | { id: number; type: "end"; stored: string; diff: string; storedBytes: number; rawBytes: number };

interface PoolWorker {
  worker: Worker;
  busy: number;
  dead: boolean;
}

interface Job {
  w: PoolWorker;
  onMessage(m: WorkerMessage): void;
  onFail(e: Error): void;
}

let pool: PoolWorker[] | undefined;
let nextId = 1;
const jobs = new Map<number, Job>();
let idleTimer: NodeJS.Timeout | undefined;

function getPool(): PoolWorker[] {
  if (pool) return pool;
  const p: PoolWorker[] = [];
  for (let i = 0; i < POOL_SIZE; i++) {
    const worker = new Worker(WORKER_SOURCE, { eval: true });
    const pw: PoolWorker = { worker, busy: 0, dead: false };
    worker.on("message", (m: WorkerMessage) => jobs.get(m.id)?.onMessage(m));
    const fail = (e: Error) => {
      pw.dead = true;
      for (const [id, j] of jobs) {
        if (j.w === pw) {
          jobs.delete(id);
          j.onFail(e);
        }
      }
      if (pool === p) pool = p.filter((x) => x !== pw);
      if (pool?.length === 0) pool = undefined;
    };
    worker.on("error", fail);
    worker.on("exit", (code) => {
      if (!pw.dead) fail(new Error(`worker thread exited (code ${code})`));
    });
    // After the listeners (adding one refs the worker again): idle workers never keep the process alive.
    worker.unref();
    p.push(pw);
  }
  pool = p;
  return p;
}

/** Terminate idle workers shortly after the last job so a library caller's process can exit cleanly. */
function scheduleIdle(): void {
  if (idleTimer) clearTimeout(idleTimer);
  idleTimer = setTimeout(() => {
    if (jobs.size === 0 && pool) {
      const p = pool;
      pool = undefined;
      for (const w of p) {
        w.dead = true;
        void w.worker.terminate();
      }
    }
  }, 2000);
  idleTimer.unref();
}

/** Start a job on the least busy worker; the worker keeps the process alive while it has jobs. */
function startJob(
  msg: Record<string, unknown>,
  onMessage: (m: WorkerMessage, finish: () => void) => void,
  onFail: (e: Error) => void,
): { id: number; w: PoolWorker } {
  const w = getPool().reduce((a, b) => (b.busy < a.busy ? b : a));
  if (w.busy++ === 0) w.worker.ref();
  const id = nextId++;
  let finished = false;
  const finish = () => {
    if (finished) return;
    finished = true;
    jobs.delete(id);
    if (--w.busy === 0) w.worker.unref();
    scheduleIdle();
  };
  jobs.set(id, {
    w,
    onMessage: (m) => onMessage(m, finish),
    onFail: (e) => {
      finish();
      onFail(e);
    },
  });
  w.worker.postMessage({ ...msg, id });
  return { id, w };
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

/** Start the workers now (a thread takes tens of milliseconds to start) when work for them is coming. */
export function warmWorkers(): void {
  getPool();
}

/**
 * Hash jobs block their worker while they run, so they are queued and each goes to a worker with no hash
 * job as one frees up (submit the largest first: the digests then finish together).
 */
const hashQueue: (() => void)[] = [];
let hashRunning = 0;

function pumpHashes(): void {
  while (hashQueue.length > 0 && hashRunning < POOL_SIZE) {
    hashRunning++;
    hashQueue.shift()!();
  }
}

/** SHA-256 of a local file range ("sha256:…"), in a worker unless the range is small. */
export function hashFileRange(r: LayerFileRange): Promise<string> {
  if (r.length <= INLINE_MAX) return hashInline(r);
  return new Promise<string>((resolve, reject) => {
    let done = false;
    const release = () => {
      if (done) return;
      done = true;
      hashRunning--;
      pumpHashes();
    };
    hashQueue.push(() => {
      startJob(
        { type: "hash", path: r.path, offset: r.offset, length: r.length },
        (m, finish) => {
          finish();
          release();
          if (m.type === "digest") resolve(m.digest);
          else reject(new Error(m.type === "error" ? m.error : "hash failed"));
        },
        (e) => {
          release();
          reject(e);
        },
      );
    });
    pumpHashes();
  });
}

export interface InflateResult {
  /** Digest of the stored (compressed) bytes. */
  stored: string;
  /** Digest of the uncompressed bytes (the diffID). */
  diff: string;
  storedBytes: number;
  rawBytes: number;
}

export interface InflateProgress {
  storedBytes: number;
  rawBytes: number;
}

/**
 * Inflate and hash a local gzip file range in a worker. `onChunk` gets the uncompressed bytes in order,
 * synchronously, and must not keep the buffer past the call (it goes back to the worker for reuse); if
 * it throws, the job stops and the promise rejects with that error. Rejects on corrupt or short data, and
 * with an AbortError when `signal` aborts.
 */
export function inflateFileRange(
  r: LayerFileRange,
  onChunk: (chunk: Buffer, progress: InflateProgress) => void,
  signal?: AbortSignal,
): Promise<InflateResult> {
  return runInflate({ path: r.path, offset: r.offset, length: r.length }, undefined, onChunk, signal);
}

/**
 * The same for gzip bytes arriving as a stream (a registry download): each chunk is copied into a buffer
 * transferred to the worker, with at most a few in flight, so a slow inflate holds the download back
 * instead of buffering it. An error of `source` stops the job and rejects with that error.
 */
export function inflateStream(
  source: AsyncIterable<Buffer>,
  onChunk: (chunk: Buffer, progress: InflateProgress) => void,
  signal?: AbortSignal,
): Promise<InflateResult> {
  return runInflate({ push: true }, source, onChunk, signal);
}

/** Input chunks (about 1 MiB each from a registry download) a push-mode job may have unacknowledged. */
const MAX_INPUT_IN_FLIGHT = 4;

function runInflate(
  msg: Record<string, unknown>,
  source: AsyncIterable<Buffer> | undefined,
  onChunk: (chunk: Buffer, progress: InflateProgress) => void,
  signal?: AbortSignal,
): Promise<InflateResult> {
  return new Promise<InflateResult>((resolve, reject) => {
    let settled = false;
    let job: { id: number; w: PoolWorker } | undefined;
    let inFlight = 0;
    let acked: (() => void) | undefined;
    const onAbort = () => stop(Object.assign(new Error("aborted"), { name: "AbortError" }));
    const settle = () => {
      settled = true;
      signal?.removeEventListener("abort", onAbort);
      acked?.();
    };
    const stop = (e: unknown) => {
      if (settled) return;
      settle();
      if (job && !job.w.dead) job.w.worker.postMessage({ type: "cancel", id: job.id });
      reject(e);
    };
    if (signal?.aborted) return onAbort();
    signal?.addEventListener("abort", onAbort);
    job = startJob(
      { type: "inflate", credit: INFLATE_CREDIT, ...msg },
      (m, finish) => {
        if (m.type === "ack") {
          inFlight--;
          acked?.();
          return;
        }
        if (m.type === "data") {
          if (settled) return;
          try {
            onChunk(Buffer.from(m.buf, 0, m.length), { storedBytes: m.storedBytes, rawBytes: m.rawBytes });
          } catch (e) {
            stop(e);
            return;
          }
          const { id, w } = job!;
          if (!w.dead) w.worker.postMessage({ type: "credit", id, buf: m.buf }, [m.buf]);
          return;
        }
        // The job is over in the worker (ended, failed or cancelled).
        finish();
        if (settled) return;
        settle();
        if (m.type === "end") {
          resolve({ stored: m.stored, diff: m.diff, storedBytes: m.storedBytes, rawBytes: m.rawBytes });
        } else {
          const e = new Error(m.type === "error" ? m.error : "inflate failed") as Error & { code?: string };
          if (m.type === "error" && m.code) e.code = m.code;
          reject(e);
        }
      },
      (e) => {
        if (settled) return;
        settle();
        reject(e);
      },
    );
    if (!source) return;
    const { id, w } = job;
    void (async () => {
      try {
        for await (const c of source) {
          if (settled) return;
          const ab = new ArrayBuffer(c.length);
          new Uint8Array(ab).set(c);
          inFlight++;
          w.worker.postMessage({ type: "input", id, buf: ab }, [ab]);
          while (inFlight >= MAX_INPUT_IN_FLIGHT && !settled) {
            await new Promise<void>((res) => {
              acked = res;
            });
            acked = undefined;
          }
        }
        if (!settled) w.worker.postMessage({ type: "input-end", id });
      } catch (e) {
        stop(e);
      }
    })();
  });
}
