/**
 * V8 flags that a CLI run tunes (src/cli/v8-tuning.ts), when they apply, and the moments they must be at
 * V8's defaults.
 *
 * V8 flags belong to the whole process, and V8 accepts a code cache only under the flags it was made
 * with. Node's own code cache (its internal modules, compiled into the binary) was made under V8's
 * defaults: under any other flag, each thread compiles Node's modules from source. A worker thread then
 * took ~60 ms of CPU to start instead of ~28 ms, on the critical path of a docker-archive index, and
 * the main thread compiled each built-in module it loaded (docs/benchmarks.md). Vigil's own code caches
 * (bin/vigil.cjs) are made under the defaults too.
 *
 * So the CLI only enables the tuning (`enableV8Tuning`); the flags are set when heavy work begins
 * (`v8TuningForHeavyWork`: the layer walk, matching, building an advisory snapshot), once start-up has
 * loaded what it needs. After that they go back to the defaults while something needs them
 * (`suspendV8Tuning`): while a worker thread starts (`beginWorkerStart`; the worker ends it itself once
 * its modules are loaded, so that the main thread, busy in a synchronous header walk, need not be told
 * first), and while the launcher reads or writes a code cache (`withV8Defaults`, which it finds on
 * `globalThis`). The last to end sets the tuned flags again.
 *
 * Only performance is at stake: a worker that sets the tuned flags again just as another suspension
 * begins can leave that one under the tuned flags (it compiles more), and a flag left at its default only
 * changes timing. A library caller that never enables the tuning keeps its own flags, untouched.
 */
import { setFlagsFromString } from "node:v8";

interface Tuning {
  tuned: readonly string[];
  defaults: readonly string[];
}

let tuning: Tuning | undefined;
/** Heavy work has begun: the tuned flags apply, outside suspensions. */
let on = false;
/** Suspensions begun and not ended (shared with worker threads, which end their own). */
const suspended = new Int32Array(new SharedArrayBuffer(4));

/**
 * Tune the flags for the rest of the run once heavy work begins: `tuned` (flags with their values) and
 * `defaults` (the same flags at V8's defaults, in the same order). An empty list turns tuning off.
 */
export function enableV8Tuning(tuned: readonly string[], defaults: readonly string[]): void {
  if (tuned.length !== defaults.length) throw new Error("enableV8Tuning: one default per tuned flag");
  if (on && Atomics.load(suspended, 0) === 0 && tuning)
    for (const f of tuning.defaults) setFlagsFromString(f);
  tuning = tuned.length > 0 ? { tuned: [...tuned], defaults: [...defaults] } : undefined;
  on = false;
}

/** Heavy work begins: set the tuned flags, if tuning is enabled (once; later calls do nothing). */
export function v8TuningForHeavyWork(): void {
  if (!tuning || on) return;
  on = true;
  if (Atomics.load(suspended, 0) === 0) for (const f of tuning.tuned) setFlagsFromString(f);
}

/** One suspension of the tuned flags; ended once, by `resumeV8Tuning` or by the worker it was given to. */
export interface V8Suspension {
  /** Shared: the suspensions under way. */
  suspended: Int32Array;
  /** Shared, this suspension's own: 0 until it is ended. */
  ended: Int32Array;
  tuned: string[];
}

/**
 * Set the tuned flags back to V8's defaults until `resumeV8Tuning`; undefined when they are not set (no
 * tuning, or no heavy work yet): the flags are at their defaults already.
 */
export function suspendV8Tuning(): V8Suspension | undefined {
  if (!tuning || !on) return undefined;
  if (Atomics.add(suspended, 0, 1) === 0) for (const f of tuning.defaults) setFlagsFromString(f);
  return { suspended, ended: new Int32Array(new SharedArrayBuffer(4)), tuned: [...tuning.tuned] };
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

/** For tests: no tuning, enabled but not yet on, on but suspended (defaults set), or the tuned flags set. */
export function v8TuningState(): "none" | "off" | "default" | "tuned" {
  if (!tuning) return "none";
  if (!on) return "off";
  return Atomics.load(suspended, 0) > 0 ? "default" : "tuned";
}
