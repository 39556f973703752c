/**
 * V8 flags that a CLI run tunes (src/cli/v8-tuning.ts), and the moments they must be at V8's defaults.
 *
 * V8 flags belong to the whole process, and V8 accepts a code cache only under the flags it was made
 * with. Node's own code cache (its internal modules, compiled into the binary) was made under V8's
 * defaults: under any other flag, each thread compiles Node's modules from source. A worker thread then
 * took ~60 ms of CPU to start instead of ~28 ms, on the critical path of a docker-archive index
 * (docs/benchmarks.md). Vigil's own code caches (bin/vigil.cjs) are made under the defaults too.
 *
 * So the tuned flags are set back to the defaults while something needs them (`suspendV8Tuning`):
 * while a worker thread starts (`beginWorkerStart`; the worker ends it itself once its modules are
 * loaded, so the main thread, busy in a synchronous header walk, need not be told first), and while the
 * launcher reads a code cache or writes one (`withV8Defaults`, which it finds on `globalThis`). The last
 * to end sets the tuned flags again.
 *
 * Only performance is at stake: a worker that sets the tuned flags again just as another suspension
 * begins can leave that one under the tuned flags (it compiles more), and a flag left at its default only
 * changes timing. A library caller that never calls `applyV8Tuning` keeps its own flags, untouched.
 */
import { setFlagsFromString } from "node:v8";

interface Tuning {
  tuned: readonly string[];
  defaults: readonly string[];
}

let active: Tuning | undefined;
/** Suspensions begun and not ended (shared with worker threads, which end their own). */
const suspended = new Int32Array(new SharedArrayBuffer(4));

/**
 * Set `tuned` (flags with their values) for the rest of the run, and remember `defaults` (the same
 * flags at V8's defaults, in the same order). Set later if a suspension is under way.
 */
export function applyV8Tuning(tuned: readonly string[], defaults: readonly string[]): void {
  if (tuned.length !== defaults.length) throw new Error("applyV8Tuning: one default per tuned flag");
  active = tuned.length > 0 ? { tuned: [...tuned], defaults: [...defaults] } : undefined;
  if (active && Atomics.load(suspended, 0) === 0) for (const f of active.tuned) setFlagsFromString(f);
}

/** One suspension of the tuned flags; ended once, by `resumeV8Tuning` or by the worker it was given to. */
export interface V8Suspension {
  /** Shared: the suspensions under way. */
  suspended: Int32Array;
  /** Shared, this suspension's own: 0 until it is ended. */
  ended: Int32Array;
  tuned: string[];
}

/** Set the tuned flags back to V8's defaults until `resumeV8Tuning`; undefined when none are tuned. */
export function suspendV8Tuning(): V8Suspension | undefined {
  if (!active) return undefined;
  if (Atomics.add(suspended, 0, 1) === 0) for (const f of active.defaults) setFlagsFromString(f);
  return { suspended, ended: new Int32Array(new SharedArrayBuffer(4)), tuned: [...active.tuned] };
}

/** End a suspension (again: nothing); the last one under way sets the tuned flags again. */
export function resumeV8Tuning(s: V8Suspension | undefined): void {
  if (!s || Atomics.compareExchange(s.ended, 0, 0, 1) !== 0) return;
  if (Atomics.sub(s.suspended, 0, 1) === 1) for (const f of s.tuned) setFlagsFromString(f);
}

/** `fn()` under V8's default flags. */
export function withV8Defaults<T>(fn: () => T): T {
  const s = suspendV8Tuning();
  try {
    return fn();
  } finally {
    resumeV8Tuning(s);
  }
}

/** Called just before a worker thread is created; the suspension goes to the worker in its workerData. */
export const beginWorkerStart = suspendV8Tuning;

/**
 * `resumeV8Tuning` as source text for a worker's eval'd code (which cannot import this module), called
 * as `WORKER_END_START(workerData.start)` once the worker's modules are loaded. The main thread ends the
 * suspension itself (`resumeV8Tuning`) when the worker fails or exits first.
 */
export const WORKER_END_START_SOURCE = `function WORKER_END_START(s) {
  if (!s || Atomics.compareExchange(s.ended, 0, 0, 1) !== 0) return;
  if (Atomics.sub(s.suspended, 0, 1) === 1) {
    const v8 = require("node:v8");
    for (const f of s.tuned) v8.setFlagsFromString(f);
  }
}`;

/** Where the launcher (bin/vigil.cjs) finds `withV8Defaults` for the code caches it reads and writes. */
const LAUNCHER_HOOK = Symbol.for("vigil.withV8Defaults");
(globalThis as Record<symbol, unknown>)[LAUNCHER_HOOK] = withV8Defaults;

/** For tests: which flags are set now. */
export function v8TuningState(): "none" | "default" | "tuned" {
  if (!active) return "none";
  return Atomics.load(suspended, 0) > 0 ? "default" : "tuned";
}
