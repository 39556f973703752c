/**
 * Worker threads for the layer walk's heavy byte work, so that the main thread only parses tar headers
 * and runs the catalogers:
 * - SHA-256 of local file ranges (`hashFileRange`): the digest checks of uncompressed layers that a
 *   header-seeking walk reads without streaming (one worker on two cores, two with more; the main
 *   thread hashes a small job while the worker starts, `helpWhileWorkersStart`, and takes the jobs still
 *   waiting once it is idle, `helpHashes`);
 * - inflating local gzip blobs (`inflateFileRange`), both digests computed in the worker as it goes.
 *
 * An earlier version inflated with zlib streams in the workers and copied their output out: each worker
 * isolate then held tens of MB of dead zlib buffers until its next collection, which broke the 250 MB
 * peak-RSS bound on a 1 GB image. Now a worker inflates synchronously into 1 MiB buffers that it transfers
 * to the main thread and gets back once the tar parser is done with them, so neither side makes garbage
 * per chunk.
 */
import { createHash } from "node:crypto";
import { closeSync, openSync, readFileSync, readSync } from "node:fs";
import { Worker } from "node:worker_threads";
import { createInflateRaw } from "node:zlib";
import { effectiveParallelism } from "../../core/cpus.js";
import { beginWorkerStart, resumeV8Tuning, WORKER_END_START_SOURCE } from "../../core/v8-flags.js";
import { gzipHeaderLength } from "../decompress.js";
import type { LayerDownload, LayerFileRange } from "../types.js";

// Plain JS (node: built-ins only) so that it runs the same from src (vitest) and from dist. This is a
// template literal: a backslash meant for the worker's code is written doubled (\\r\\n, \\d). A single
// one is taken by the literal (and Biome's useless-escape fix silently drops one before \d or \.).
const WORKER_SOURCE = `
const { parentPort, workerData } = require("node:worker_threads");
const fs = require("node:fs");
const crypto = require("node:crypto");
// Reads of an eighth of the core's L2 cache (hashReadSize): the buffer stays in L2 between the
// page-cache copy and SHA-256.
const buf = Buffer.allocUnsafe(workerData.hashReadSize);
// m.state, shared with the main thread: 0 while the job waits its turn in this worker's message queue, 1
// once this worker has taken it, 2 when the main thread has cancelled it or taken it back (to hash it
// itself) before it started; a cancelled job stops between two reads.
function hash(m) {
  if (Atomics.compareExchange(m.state, 0, 0, 1) !== 0) return;
  let fd;
  try {
    fd = fs.openSync(m.path, "r");
    const h = crypto.createHash("sha256");
    let pos = m.offset;
    let left = m.length;
    while (left > 0) {
      if (Atomics.load(m.state, 0) === 2) return;
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

// --- inflating a local gzip blob (inflateFileRange): synchronous raw inflate into 1 MiB buffers that are
// transferred to the main thread and come back with its credits (so this isolate keeps no dead output
// buffers), both digests computed here, at most \`credits\` chunks ahead of the consumer. The inflate
// steps drive zlib's handle (\`_handle.writeSync\`, \`_writeState\`) as Node's own zlib.*Sync functions
// do; the main thread checks that this Node has them (canInflateInWorker) before sending such a job.
const zlib = require("node:zlib");
const IN_SIZE = 256 * 1024;
const OUT_SIZE = 1024 * 1024;
const MAX_HEADER = 64 * 1024;
const inflates = new Map();
function zerr(message, code) {
  const e = new Error(message);
  e.code = code || "Z_DATA_ERROR";
  return e;
}
// gzipHeaderLength of decompress.ts, the same function for both decoders (its source text, below)
const headerLength = ${gzipHeaderLength.toString()};
/** A job reads a local file range. */
function startInflate(m) {
  const j = {
    id: m.id, fd: undefined, pos: m.offset, left: m.length, credits: 0,
    inBuf: Buffer.allocUnsafe(IN_SIZE), inOff: 0, inLen: 0, eof: false,
    stored: crypto.createHash("sha256"), diff: crypto.createHash("sha256"), storedBytes: 0,
    state: "header", header: null, inf: undefined, memberOut: 0, members: 0,
    trailer: Buffer.alloc(8), trailerFill: 0, out: undefined, outOff: 0, over: false, spare: [],
  };
  inflates.set(m.id, j);
  try {
    j.fd = fs.openSync(m.path, "r");
  } catch (e) {
    fail(j, e);
  }
}
function closeInflate(j) {
  j.over = true;
  inflates.delete(j.id);
  if (j.sock) j.sock.destroy();
  if (j.timer) clearTimeout(j.timer);
  if (j.inf) j.inf.close();
  j.inf = undefined;
  if (j.fd !== undefined) fs.closeSync(j.fd);
  j.fd = undefined;
}
function fail(j, e) {
  if (j.over) return;
  closeInflate(j);
  parentPort.postMessage({ id: j.id, type: "error", error: String((e && e.message) || e), code: e && e.code });
}
/**
 * A job that downloads its blob: GET m.url here, on a socket read into one reused buffer (net's
 * \`onread\`), so that the download makes no garbage in this isolate; the body is inflated as it
 * arrives. A small HTTP/1.1 reader: anything but a 200 with a Content-Length and no transfer or content
 * encoding ends the job with code FALLBACK before any output (the main thread then streams the blob
 * with its own client, which knows redirects and challenges).
 */
const MAX_HEAD = 64 * 1024;
function startFetch(m) {
  const j = {
    id: m.id, fd: undefined, pos: 0, left: 0, credits: 0, fetch: true,
    sock: undefined, head: Buffer.alloc(0), bodyLeft: -1, maxBytes: m.maxBytes, pending: undefined,
    inBuf: undefined, inOff: 0, inLen: 0, eof: false,
    stored: crypto.createHash("sha256"), diff: crypto.createHash("sha256"), storedBytes: 0,
    state: "header", header: null, inf: undefined, memberOut: 0, members: 0,
    trailer: Buffer.alloc(8), trailerFill: 0, out: undefined, outOff: 0, over: false, spare: [],
  };
  inflates.set(m.id, j);
  let u;
  try {
    u = new URL(m.url);
  } catch (e) {
    return fail(j, zerr("bad URL", "FALLBACK"));
  }
  const https = u.protocol === "https:";
  const readBuf = Buffer.allocUnsafe(64 * 1024);
  const host = u.hostname.startsWith("[") ? u.hostname.slice(1, -1) : u.hostname;
  const opts = {
    host,
    port: Number(u.port) || (https ? 443 : 80),
    onread: { buffer: readBuf, callback: (n, buf) => onFetchData(j, buf, n) },
  };
  const net = require("node:net");
  const sock = https
    ? require("node:tls").connect({ ...opts, servername: net.isIP(host) ? undefined : host, ...(m.ca ? { ca: m.ca } : {}) })
    : net.connect(opts);
  j.sock = sock;
  const timer = setTimeout(() => {
    sock.destroy(zerr("no response within " + Math.round(m.headerMs / 1000) + " s", "NETWORK"));
  }, m.headerMs);
  j.timer = timer;
  j.idleMs = m.idleMs;
  sock.setTimeout(m.idleMs, () => sock.destroy(zerr("transfer stalled for " + m.idleMs / 1000 + " s", "NETWORK")));
  sock.on(https ? "secureConnect" : "connect", () => {
    let req = "GET " + u.pathname + u.search + " HTTP/1.1\\r\\nHost: " + u.host + "\\r\\n";
    for (const [k, v] of Object.entries(m.headers)) {
      // as Node's http client does: no header may carry a line break (a hostile token, say)
      if (/[\\r\\n\\0]/.test(k + v)) return fail(j, zerr("invalid header", "FALLBACK"));
      req += k + ": " + v + "\\r\\n";
    }
    sock.write(req + "Accept-Encoding: identity\\r\\nConnection: close\\r\\n\\r\\n");
  });
  sock.on("error", (e) => {
    if (e.code === "NETWORK" || e.code === "FALLBACK") return fail(j, e);
    // a connection that fails before the answer: the main thread's client, which retries, takes over
    fail(j, zerr(String(e.message || e), j.bodyLeft < 0 ? "FALLBACK" : "NETWORK"));
  });
  sock.on("end", () => {
    if (j.bodyLeft !== 0) fail(j, zerr("the connection closed before the end of the blob", "NETWORK"));
  });
}
/** Bytes from the socket, in its reused buffer: the head parsed, the body inflated now or copied. */
function onFetchData(j, buf, n) {
  if (j.over) return false;
  try {
    let data = buf.subarray(0, n);
    if (j.bodyLeft < 0) {
      j.head = Buffer.concat([j.head, data]);
      const end = j.head.indexOf("\\r\\n\\r\\n");
      // the bound holds however the head arrives (in one read or in many)
      if (end > MAX_HEAD || (end < 0 && j.head.length > MAX_HEAD))
        throw zerr("response head too long", "FALLBACK");
      if (end < 0) return true;
      clearTimeout(j.timer);
      const lines = j.head.toString("latin1", 0, end).split("\\r\\n");
      const status = /^HTTP\\/1\\.[01] (\\d{3})(?: |$)/.exec(lines[0]);
      const h = Object.create(null);
      for (const l of lines.slice(1)) {
        const c = l.indexOf(":");
        if (c <= 0) continue;
        const name = l.slice(0, c).trim().toLowerCase();
        const value = l.slice(c + 1).trim();
        // two lengths that disagree: which one is the body's is ambiguous (Node's client refuses it)
        if (name === "content-length" && h[name] !== undefined && h[name] !== value)
          throw zerr("conflicting Content-Length headers", "FALLBACK");
        h[name] = value;
      }
      const len = /^\\d+$/.test(h["content-length"] || "") ? Number(h["content-length"]) : -1;
      if (!status || status[1] !== "200" || len < 0 || h["transfer-encoding"] || (h["content-encoding"] && h["content-encoding"] !== "identity"))
        throw zerr("not a plain 200 answer", "FALLBACK");
      // a length over the manifest's size: the client reports it (DIGEST_MISMATCH, or LIMIT)
      if (len > j.maxBytes) throw zerr("the blob is larger than its size (" + len + " bytes)", "FALLBACK");
      j.bodyLeft = len;
      data = Buffer.from(j.head.subarray(end + 4));
      j.head = Buffer.alloc(0);
      if (len === 0) j.eof = true;
      if (data.length === 0) return true;
    }
    if (data.length > j.bodyLeft) throw zerr("the server sent more than the blob's length", "NETWORK");
    if (j.storedBytes === 0 && (data[0] !== 0x1f || (data.length > 1 && data[1] !== 0x8b))) throw zerr("not gzip", "FALLBACK");
    j.bodyLeft -= data.length;
    j.stored.update(data);
    j.storedBytes += data.length;
    // Data can come after the socket was paused (a TLS read decrypts several records at once): it
    // joins what is still waiting, which this job owns.
    let owned = false;
    if (j.inLen > 0) {
      j.inBuf = Buffer.concat([j.inBuf.subarray(j.inOff, j.inOff + j.inLen), data]);
      owned = true;
    } else j.inBuf = data;
    j.inOff = 0;
    j.inLen = j.inBuf.length;
    if (j.bodyLeft === 0) j.eof = true;
    pumpInflate(j);
    if (!j.over && j.inLen > 0) {
      // out of credits: keep the rest (the socket's buffer is reused) and stop reading until they come
      if (!owned) j.inBuf = Buffer.from(j.inBuf.subarray(j.inOff, j.inOff + j.inLen));
      else j.inBuf = j.inBuf.subarray(j.inOff, j.inOff + j.inLen);
      j.inOff = 0;
      j.sock.pause();
      j.sock.setTimeout(0); // waiting on the consumer is not a stalled transfer
    }
  } catch (e) {
    fail(j, e);
  }
  return true;
}
/** The next compressed bytes into inBuf; false when a download has nothing new yet. */
function readMore(j) {
  if (j.fetch) {
    // the socket's data handler fed what it had: wait for more (reading again if credits stopped it)
    if (j.sock && j.sock.isPaused()) {
      j.sock.setTimeout(j.idleMs);
      j.sock.resume();
    }
    return false;
  }
  if (j.left === 0) {
    j.eof = true;
    return true;
  }
  const n = fs.readSync(j.fd, j.inBuf, 0, Math.min(IN_SIZE, j.left), j.pos);
  if (n === 0) throw new Error("unexpected end of file (the blob is shorter than its size)");
  j.stored.update(n === IN_SIZE ? j.inBuf : j.inBuf.subarray(0, n));
  j.pos += n;
  j.left -= n;
  j.storedBytes += n;
  j.inOff = 0;
  j.inLen = n;
  return true;
}
function emit(j) {
  const ab = j.out.buffer;
  j.diff.update(j.out.subarray(0, j.outOff));
  parentPort.postMessage({ id: j.id, type: "chunk", buf: ab, length: j.outOff, storedBytes: j.storedBytes, at: Date.now() }, [ab]);
  j.out = undefined;
  j.outOff = 0;
  j.credits--;
}
/** Inflate until the credits are spent or the blob is done. */
function pumpInflate(j) {
  try {
    while (!j.over && j.credits > 0) {
      if (j.inLen === 0 && !j.eof && !readMore(j)) return;
      if (j.inLen === 0 && j.eof) {
        if (j.state === "body" || j.state === "trailer" || (j.state === "header" && (j.members === 0 || j.header)))
          throw zerr("unexpected end of file", "Z_BUF_ERROR");
        if (j.outOff > 0) {
          emit(j);
          continue;
        }
        const msg = { id: j.id, type: "end", stored: "sha256:" + j.stored.digest("hex"), diff: "sha256:" + j.diff.digest("hex"), storedBytes: j.storedBytes };
        closeInflate(j);
        parentPort.postMessage(msg);
        return;
      }
      if (j.state === "done") {
        j.inLen = 0; // after the last member: anything not starting a member is ignored, as gunzip does
      } else if (j.state === "header") {
        if (j.members > 0 && !j.header && j.inBuf[j.inOff] !== 0x1f) {
          j.state = "done";
          continue;
        }
        const take = j.inBuf.subarray(j.inOff, j.inOff + Math.min(j.inLen, MAX_HEADER));
        const have = j.header ? Buffer.concat([j.header, take]) : take;
        const n = headerLength(have);
        if (n < 0) {
          if (have.length >= MAX_HEADER) throw zerr("gzip header too long");
          j.header = Buffer.from(have);
          j.inOff += take.length;
          j.inLen -= take.length;
          continue;
        }
        const used = n - (j.header ? j.header.length : 0);
        j.inOff += used;
        j.inLen -= used;
        j.header = null;
        j.inf = zlib.createInflateRaw();
        j.inf.on("error", () => {});
        j.memberOut = 0;
        j.state = "body";
      } else if (j.state === "body") {
        if (!j.out) {
          const ab = j.spare.pop();
          j.out = ab ? Buffer.from(ab) : Buffer.allocUnsafeSlow(OUT_SIZE);
        }
        const outAvail = OUT_SIZE - j.outOff;
        j.inf._handle.writeSync(0, j.inBuf, j.inOff, j.inLen, j.out, j.outOff, outAvail);
        if (j.inf.errored) throw j.inf.errored;
        const availOut = j.inf._writeState[0];
        const availIn = j.inf._writeState[1];
        const produced = outAvail - availOut;
        j.inOff += j.inLen - availIn;
        j.inLen = availIn;
        j.outOff += produced;
        j.memberOut += produced;
        if (j.outOff === OUT_SIZE) emit(j);
        if (availOut > 0 && availIn > 0) {
          // the member's deflate data ended: its trailer follows
          j.inf.close();
          j.inf = undefined;
          j.state = "trailer";
          j.trailerFill = 0;
        }
      } else {
        const n = Math.min(8 - j.trailerFill, j.inLen);
        j.inBuf.copy(j.trailer, j.trailerFill, j.inOff, j.inOff + n);
        j.trailerFill += n;
        j.inOff += n;
        j.inLen -= n;
        if (j.trailerFill < 8) continue;
        if (j.trailer.readUInt32LE(4) !== j.memberOut % 4294967296) throw zerr("incorrect length check");
        j.members++;
        j.state = "header";
      }
    }
  } catch (e) {
    fail(j, e);
  }
}
parentPort.on("message", (m) => {
  if (m.type === "hash") hash(m);
  else if (m.type === "inflate") startInflate(m);
  else if (m.type === "fetch") startFetch(m);
  else if (m.type === "credit") {
    const j = inflates.get(m.id);
    if (j) {
      if (m.buf) j.spare.push(m.buf);
      j.credits += m.n;
      pumpInflate(j);
    }
  } else if (m.type === "cancel") {
    const j = inflates.get(m.id);
    if (j) closeInflate(j);
  }
});
// Node's modules are loaded: V8's tuned flags (if any) may be set again (src/core/v8-flags.ts).
${WORKER_END_START_SOURCE}
WORKER_END_START(workerData.start);
`;

/**
 * Workers at most: two, or one when the process may use only one CPU (`effectiveParallelism`: the CPUs
 * it may run on, lowered to its control group's CPU quota). Under a one-CPU quota a second worker only
 * competes for the same quota: the bench OCI layout took 1.70 s with two inflating workers and 1.61 s
 * with one (docs/benchmarks.md).
 */
function poolSize(): number {
  return Math.min(2, effectiveParallelism());
}
/**
 * Workers that hash. On two cores, one: the main thread's header walk and catalogers are the other long
 * path of a docker-archive index, and a second hashing thread competed with them and cost ~40 ms of CPU
 * to start (docs/benchmarks.md); the main thread hashes what is still waiting once its catalogers are
 * done (`helpHashes`). With three CPUs or more (a CPU quota counts), two.
 */
function hashWorkerCount(): number {
  return effectiveParallelism() >= 3 ? poolSize() : 1;
}
let readSize: number | undefined;
/**
 * The size of a worker's reads when it hashes: an eighth of a core's L2 cache, between 64 KiB and 1 MiB
 * (64 KiB where Linux does not say). The buffer then stays in L2 between the kernel's copy out of the
 * page cache and SHA-256 reading it. Measured on two 2-core VMs (docs/benchmarks.md): with a 512 KiB L2
 * (AMD EPYC) 64 KiB reads hashed the bench image's 352 MB in 0.30 s and 256 KiB ones in 0.49 s; with a
 * 2 MiB L2 (Intel Xeon), 256 KiB reads were ~5 % faster than 64 KiB ones.
 */
export function hashReadSize(): number {
  if (readSize === undefined) readSize = readSizeForL2(level2CacheBytes());
  return readSize;
}

/** An eighth of `l2` bytes, a power of two between 64 KiB and 1 MiB; 64 KiB when unknown. */
export function readSizeForL2(l2: number | undefined): number {
  let size = 64 * 1024;
  if (l2 === undefined) return size;
  while (size * 2 <= l2 / 8 && size < 1024 * 1024) size *= 2;
  return size;
}

/** The first CPU's level-2 data or unified cache, from Linux's sysfs; undefined elsewhere. */
function level2CacheBytes(): number | undefined {
  const base = "/sys/devices/system/cpu/cpu0/cache";
  for (let i = 0; i < 8; i++) {
    try {
      const level = readFileSync(`${base}/index${i}/level`, "latin1").trim();
      if (level !== "2") continue;
      const type = readFileSync(`${base}/index${i}/type`, "latin1").trim();
      if (type === "Instruction") continue;
      return parseCacheSize(readFileSync(`${base}/index${i}/size`, "latin1"));
    } catch {
      return undefined;
    }
  }
  return undefined;
}

/** "2048K" / "1M" / "524288" → bytes; undefined when it is not a size. */
export function parseCacheSize(text: string): number | undefined {
  const m = /^(\d+)([KMG]?)$/.exec(text.trim());
  if (!m) return undefined;
  const n = Number(m[1]) * (m[2] === "K" ? 1024 : m[2] === "M" ? 1024 ** 2 : m[2] === "G" ? 1024 ** 3 : 1);
  return n > 0 ? n : undefined;
}

/** Below this size hashing inline is cheaper than a worker round trip. */
const INLINE_MAX = 4 * 1024 * 1024;

type WorkerMessage =
  | { id: number; type: "digest"; digest: string }
  | { id: number; type: "error"; error: string; code?: string }
  | { id: number; type: "chunk"; buf: ArrayBuffer; length: number; storedBytes: number; at: number }
  | { id: number; type: "end"; stored: string; diff: string; storedBytes: number };

interface PoolWorker {
  worker: Worker;
  busy: number;
  /** Bytes of the hash jobs sent to this worker and not yet answered. */
  hashBytes: number;
  dead: boolean;
}

interface Job {
  w: PoolWorker;
  onMessage(m: WorkerMessage): void;
  onFail(e: Error): void;
}

/** The live workers, started as jobs need them (up to poolSize()). */
let pool: PoolWorker[] = [];
let nextId = 1;
const jobs = new Map<number, Job>();
let idleTimer: NodeJS.Timeout | undefined;

function spawnWorker(): void {
  // The worker starts under V8's default flags, and sets a CLI run's tuned ones again once it is done.
  const start = beginWorkerStart();
  let worker: Worker;
  try {
    worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { hashReadSize: hashReadSize(), start } });
  } catch (e) {
    resumeV8Tuning(start); // no thread to end it
    throw e;
  }
  const pw: PoolWorker = { worker, busy: 0, hashBytes: 0, dead: false };
  worker.on("message", (m: WorkerMessage) => jobs.get(m.id)?.onMessage(m));
  const fail = (e: Error) => {
    resumeV8Tuning(start); // when it failed before it was done starting (else: nothing)
    pw.dead = true;
    for (const [id, j] of jobs) {
      if (j.w === pw) {
        jobs.delete(id);
        j.onFail(e);
      }
    }
    pool = pool.filter((x) => x !== pw); // a later job starts another
  };
  worker.on("error", fail);
  worker.on("exit", (code) => {
    if (!pw.dead) fail(new Error(`worker thread exited (code ${code})`));
  });
  // After the listeners (adding one refs the worker again): idle workers never keep the process alive.
  worker.unref();
  pool.push(pw);
}

/** The live workers, at least `min` of them (at most poolSize()). */
function getPool(min: number): PoolWorker[] {
  while (pool.length < Math.min(min, poolSize())) spawnWorker();
  return pool;
}

/** Terminate idle workers shortly after the last job so a library caller's process can exit cleanly. */
function scheduleIdle(): void {
  if (idleTimer) clearTimeout(idleTimer);
  idleTimer = setTimeout(() => {
    if (jobs.size === 0 && pool.length > 0) {
      const p = pool;
      pool = [];
      for (const w of p) {
        w.dead = true;
        void w.worker.terminate();
      }
    }
  }, 2000);
  idleTimer.unref();
}

/**
 * Start a job on the worker `pick` chooses among at least `min` workers (by default the least busy of
 * the whole pool); the worker keeps the process alive while it has jobs.
 */
function startJob(
  msg: Record<string, unknown>,
  onMessage: (m: WorkerMessage, finish: () => void) => void,
  onFail: (e: Error) => void,
  pick: (a: PoolWorker, b: PoolWorker) => PoolWorker = (a, b) => (b.busy < a.busy ? b : a),
  min = poolSize(),
): { id: number; w: PoolWorker; finish: () => void } {
  const w = getPool(min)
    .filter((x) => !x.dead)
    .reduce(pick);
  w.busy++;
  w.worker.ref();
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
  return { id, w, finish };
}

/** A small range, hashed on this thread (cheaper than a worker round trip). */
async function hashInline(r: LayerFileRange): Promise<string> {
  return (await hashHere(r, Buffer.allocUnsafe(Math.max(1, Math.min(r.length, 1024 * 1024)))))!;
}

/**
 * Start the workers now (a thread takes tens of milliseconds to start) when work for them is coming:
 * those that hash jobs start with, or the whole pool for inflating and downloading.
 */
export function warmWorkers(kind: "hash" | "inflate"): void {
  getPool(kind === "hash" ? hashWorkerCount() : poolSize());
}

interface HashJob {
  r: LayerFileRange;
  /** Shared with the worker: 0 queued, 1 taken by the worker, 2 cancelled or taken back. */
  state: Int32Array;
  job: { id: number; w: PoolWorker; finish: () => void };
  settled: boolean;
  /** Taken back from its worker by the main thread, which hashes it itself (`helpHashes`). */
  here: boolean;
  settle(f: () => void): void;
  resolve(digest: string): void;
  reject(e: Error): void;
}

/** Hash jobs sent to a worker and not yet answered. */
const hashJobs = new Set<HashJob>();

/** The worker with the fewest bytes of hash jobs pending (then the least busy). */
const byHashBytes = (a: PoolWorker, b: PoolWorker) =>
  b.hashBytes < a.hashBytes || (b.hashBytes === a.hashBytes && b.busy < a.busy) ? b : a;

/**
 * SHA-256 of a local file range ("sha256:…"), in a worker unless the range is small. Each job goes at
 * once to the worker with the fewest bytes of hash jobs pending, and waits its turn in that worker's own
 * queue (submit the largest first: the digests then finish together). The next job thus starts as soon as
 * the worker is free, not when the main thread, busy walking headers, next reads its messages. When
 * `signal` aborts, the promise rejects with an AbortError, the job no longer keeps the process alive, and
 * the worker skips it or stops it between two reads (a walk that failed on one layer does not wait for
 * the digests of the others).
 */
export function hashFileRange(r: LayerFileRange, signal?: AbortSignal): Promise<string> {
  if (r.length <= INLINE_MAX) return hashInline(r);
  return new Promise<string>((resolve, reject) => {
    const aborted = () => Object.assign(new Error("aborted"), { name: "AbortError" });
    if (signal?.aborted) return reject(aborted());
    const onAbort = () => {
      Atomics.store(h.state, 0, 2);
      h.settle(() => reject(aborted()));
    };
    const state = new Int32Array(new SharedArrayBuffer(4));
    const job = startJob(
      { type: "hash", path: r.path, offset: r.offset, length: r.length, state },
      (m) => {
        if (m.type === "digest") h.settle(() => resolve(m.digest));
        else h.settle(() => reject(new Error(m.type === "error" ? m.error : "hash failed")));
      },
      (e) => h.settle(() => reject(e)),
      byHashBytes,
      hashWorkerCount(),
    );
    job.w.hashBytes += r.length;
    const h: HashJob = {
      r,
      state,
      job,
      settled: false,
      here: false,
      settle: (f) => {
        if (h.settled) return;
        h.settled = true;
        hashJobs.delete(h);
        signal?.removeEventListener("abort", onAbort);
        if (!h.here) {
          h.job.w.hashBytes -= r.length;
          h.job.finish();
        }
        f();
      },
      resolve,
      reject,
    };
    hashJobs.add(h);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/**
 * The main thread has nothing left to do but wait for digests: it takes the hash jobs still waiting in a
 * worker's queue, the last first (the worker goes on with those before them), and hashes them itself, in
 * 1 MiB reads with a turn of the event loop every 16 MiB. No thread has to start for that. Resolves when
 * no job is left waiting; each job's own promise settles as in a worker (an aborted one stops).
 */
export async function helpHashes(): Promise<void> {
  const buf = Buffer.allocUnsafe(1024 * 1024);
  for (;;) {
    let h: HashJob | undefined;
    for (const j of hashJobs) if (!j.here && Atomics.load(j.state, 0) === 0) h = j; // the last waiting
    if (!h) return;
    await takeBackAndHash(h, buf);
  }
}

/**
 * While the hashing workers start (a thread takes ~30 ms of CPU to start, docs/benchmarks.md), the
 * main thread hashes the smallest waiting job, and then the next, until a worker has begun one. It takes
 * a job only when a larger one waits (a worker's first job never waits for this thread) and when the job
 * is at most a quarter of the bytes waiting (the main thread's own work, the header walk, waits
 * meanwhile). For the bench image's docker archive, its 40 MB layer (of 352 MB): the work moves from the
 * end of the index, where the main thread took it anyway, to the start, where it keeps the main thread's
 * optimising compiler quiet while the worker starts on the other core.
 */
export async function helpWhileWorkersStart(): Promise<void> {
  let buf: Buffer | undefined;
  for (;;) {
    let smallest: HashJob | undefined;
    let waiting = 0;
    let waitingBytes = 0;
    for (const j of hashJobs) {
      if (j.here) continue;
      const state = Atomics.load(j.state, 0);
      if (state === 1) return; // a worker has begun
      if (state !== 0) continue;
      waiting++;
      waitingBytes += j.r.length;
      if (!smallest || j.r.length < smallest.r.length) smallest = j;
    }
    if (!smallest || waiting < 2 || smallest.r.length * 4 > waitingBytes) return;
    buf ??= Buffer.allocUnsafe(1024 * 1024);
    await takeBackAndHash(smallest, buf);
  }
}

/** Take a waiting job back from its worker (unless the worker took it meanwhile) and hash it here. */
async function takeBackAndHash(h: HashJob, buf: Buffer): Promise<void> {
  if (Atomics.compareExchange(h.state, 0, 0, 2) !== 0) return; // its worker took it meanwhile
  h.here = true;
  h.job.w.hashBytes -= h.r.length;
  h.job.finish();
  try {
    const digest = await hashHere(h.r, buf, () => h.settled);
    if (digest !== undefined) h.settle(() => h.resolve(digest));
  } catch (e) {
    h.settle(() => h.reject(e as Error));
  }
}

/**
 * SHA-256 of a file range on this thread, read into `buf`, with a turn of the event loop every 16 MiB;
 * undefined when `stop()` says so between two reads (a job settled, by an abort, meanwhile).
 */
async function hashHere(r: LayerFileRange, buf: Buffer, stop?: () => boolean): Promise<string | undefined> {
  const fd = openSync(r.path, "r");
  try {
    const hash = createHash("sha256");
    let pos = r.offset;
    let left = r.length;
    let sinceTurn = 0;
    while (left > 0) {
      if (stop?.()) return undefined;
      const n = readSync(fd, buf, 0, Math.min(buf.length, left), pos);
      if (n === 0) throw new Error("unexpected end of file");
      hash.update(n === buf.length ? buf : buf.subarray(0, n));
      pos += n;
      left -= n;
      sinceTurn += n;
      if (sinceTurn >= 16 * 1024 * 1024 && left > 0) {
        sinceTurn = 0;
        await new Promise<void>((resolve) => setImmediate(resolve));
      }
    }
    return `sha256:${hash.digest("hex")}`;
  } finally {
    closeSync(fd);
  }
}

let inflateSupport: boolean | undefined;
/**
 * Does this Node expose the zlib handle the inflate jobs drive (`_handle.writeSync`, `_writeState`, as
 * Node 20 does)? When it does not, gzip layers stay on the main thread's zlib streams.
 */
export function canInflateInWorker(): boolean {
  if (inflateSupport === undefined) {
    const z = createInflateRaw() as unknown as {
      _handle?: { writeSync?: unknown };
      _writeState?: unknown;
      close(): void;
    };
    inflateSupport = typeof z._handle?.writeSync === "function" && z._writeState instanceof Uint32Array;
    z.close();
  }
  return inflateSupport;
}

/** What inflating a local gzip blob found: its digest, its uncompressed bytes' digest, its size. */
export interface InflateResult {
  stored: string;
  diff: string;
  storedBytes: number;
}

/** Uncompressed chunks in flight between a worker and the consumer. */
const INFLATE_CREDITS = 4;

/**
 * Inflates a local gzip blob (one or more members, raw deflate without zlib's CRC-32, as `GzipMembers`)
 * in a worker thread, which also computes the blob's SHA-256 and that of the uncompressed bytes. Each
 * ~1 MiB chunk of uncompressed bytes is handed to `onChunk` (with the compressed bytes read so far, for
 * the decompression-ratio limit, and the time in ms since the epoch when the worker produced it); its
 * memory is transferred, not copied, and goes back to the worker for reuse when `onChunk` returns, so
 * `onChunk` must not keep any view of it. The worker stays at most INFLATE_CREDITS chunks ahead. An
 * error `onChunk` throws, a worker error (zlib's codes and messages) or `signal` cancels the job and
 * rejects.
 */
export function inflateFileRange(
  r: LayerFileRange,
  onChunk: (chunk: Buffer, storedBytes: number, producedAt: number) => void,
  signal?: AbortSignal,
): Promise<InflateResult> {
  return runInflate({ type: "inflate", path: r.path, offset: r.offset, length: r.length }, onChunk, signal);
}

/**
 * `inflateFileRange` for a blob a worker downloads itself (GET `d.url` with `d.headers`, no redirects),
 * so that the main thread's event loop never touches its bytes. An answer other than 200 rejects with
 * code FALLBACK before any chunk (the caller then streams the blob itself); network failures reject
 * with code NETWORK.
 */
export function fetchAndInflate(
  d: LayerDownload,
  onChunk: (chunk: Buffer, storedBytes: number, producedAt: number) => void,
  signal?: AbortSignal,
): Promise<InflateResult> {
  return runInflate(
    {
      type: "fetch",
      url: d.url,
      headers: d.headers,
      maxBytes: d.maxBytes,
      headerMs: d.headerTimeoutMs,
      idleMs: d.idleTimeoutMs,
      ...(d.ca ? { ca: d.ca } : {}),
    },
    onChunk,
    signal,
  );
}

function runInflate(
  msg: Record<string, unknown>,
  onChunk: (chunk: Buffer, storedBytes: number, producedAt: number) => void,
  signal: AbortSignal | undefined,
): Promise<InflateResult> {
  return new Promise<InflateResult>((resolve, reject) => {
    const aborted = () => Object.assign(new Error("aborted"), { name: "AbortError" });
    if (signal?.aborted) return reject(aborted());
    let over = false;
    const end = (f: () => void) => {
      if (over) return;
      over = true;
      signal?.removeEventListener("abort", onAbort);
      job.finish();
      f();
    };
    const cancel = (e: Error) =>
      end(() => {
        if (!job.w.dead) job.w.worker.postMessage({ type: "cancel", id: job.id });
        reject(e);
      });
    const onAbort = () => cancel(aborted());
    const job = startJob(
      msg,
      (m) => {
        if (over) return;
        if (m.type === "chunk") {
          try {
            onChunk(Buffer.from(m.buf, 0, m.length), m.storedBytes, m.at);
          } catch (e) {
            cancel(e as Error);
            return;
          }
          job.w.worker.postMessage({ type: "credit", id: job.id, n: 1, buf: m.buf }, [m.buf]);
        } else if (m.type === "end") {
          end(() => resolve({ stored: m.stored, diff: m.diff, storedBytes: m.storedBytes }));
        } else if (m.type === "error") {
          end(() => reject(Object.assign(new Error(m.error), m.code ? { code: m.code } : {})));
        }
      },
      (e) => {
        if (over) return;
        over = true;
        signal?.removeEventListener("abort", onAbort);
        reject(e);
      },
    );
    signal?.addEventListener("abort", onAbort, { once: true });
    job.w.worker.postMessage({ type: "credit", id: job.id, n: INFLATE_CREDITS });
  });
}
