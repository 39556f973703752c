import { Worker } from "node:worker_threads";
import { beforeEach, describe, expect, it, vi } from "vitest";

// The flags this thread sets, in order (V8 has no getter for them). A worker thread's own calls go to the
// real node:v8; what they change is seen through the shared count (v8TuningState).
const set: string[] = [];
vi.mock("node:v8", () => ({ setFlagsFromString: (f: string) => set.push(f) }));
const {
  beginWorkerStart,
  enableV8Tuning,
  resumeV8Tuning,
  suspendV8Tuning,
  v8TuningForHeavyWork,
  v8TuningState,
  WORKER_END_START_SOURCE,
  withV8Defaults,
} = await import("./v8-flags.js");

const TUNED = ["--heap-growing-percent=400", "--interrupt-budget=600000"];
const DEFAULTS = ["--heap-growing-percent=0", "--interrupt-budget=67584"];
beforeEach(() => {
  set.length = 0;
});

describe("V8 tuning: set when heavy work begins, back to the defaults while something needs them", () => {
  it("starts with no tuning: nothing is set, and suspensions are no-ops", () => {
    expect(v8TuningState()).toBe("none");
    v8TuningForHeavyWork();
    expect(suspendV8Tuning()).toBeUndefined();
    expect(withV8Defaults(() => 42)).toBe(42);
    expect(set).toEqual([]);
  });

  it("sets nothing when enabled, and the tuned flags once heavy work begins (once)", () => {
    enableV8Tuning(TUNED, DEFAULTS);
    expect(v8TuningState()).toBe("off");
    expect(suspendV8Tuning()).toBeUndefined(); // start-up: the flags are at their defaults anyway
    expect(withV8Defaults(() => v8TuningState())).toBe("off");
    expect(set).toEqual([]);
    v8TuningForHeavyWork();
    v8TuningForHeavyWork();
    expect(set).toEqual(TUNED);
    expect(v8TuningState()).toBe("tuned");
  });

  it("sets the defaults during suspensions, nested, until the last one ends", () => {
    const a = suspendV8Tuning();
    expect(set).toEqual(DEFAULTS);
    const b = suspendV8Tuning(); // already at the defaults: nothing more
    resumeV8Tuning(a);
    resumeV8Tuning(a); // twice: counted once
    expect(set).toEqual(DEFAULTS);
    expect(v8TuningState()).toBe("default");
    resumeV8Tuning(b);
    expect(set).toEqual([...DEFAULTS, ...TUNED]);
    expect(v8TuningState()).toBe("tuned");
    resumeV8Tuning(undefined);
    expect(set).toEqual([...DEFAULTS, ...TUNED]);
  });

  it("runs a function under the defaults (the launcher reads and writes its code caches so), even when it throws", () => {
    expect(withV8Defaults(() => v8TuningState())).toBe("default");
    expect(() =>
      withV8Defaults(() => {
        throw new Error("boom");
      }),
    ).toThrow("boom");
    expect(v8TuningState()).toBe("tuned");
    expect(set).toEqual([...DEFAULTS, ...TUNED, ...DEFAULTS, ...TUNED]);
    // The launcher (bin/vigil.cjs) finds the function on globalThis.
    expect((globalThis as Record<symbol, unknown>)[Symbol.for("vigil.withV8Defaults")]).toBe(withV8Defaults);
  });

  it("lets a worker thread start under the defaults and end that itself, once", async () => {
    const start = beginWorkerStart();
    expect(start).toBeDefined();
    expect(set).toEqual(DEFAULTS);
    expect(v8TuningState()).toBe("default");
    // The worker's end sets the tuned flags through its own (real) node:v8, harmless here.
    const w = new Worker(
      `${WORKER_END_START_SOURCE}
      const { workerData, parentPort } = require("node:worker_threads");
      WORKER_END_START(workerData.start);
      WORKER_END_START(workerData.start); // twice: counted once
      parentPort.postMessage("started");`,
      { eval: true, workerData: { start } },
    );
    expect(await new Promise((r) => w.once("message", r))).toBe("started");
    await w.terminate();
    expect(v8TuningState()).toBe("tuned");
    resumeV8Tuning(start); // the main thread's end after the worker's: nothing
    expect(v8TuningState()).toBe("tuned");
    expect(set).toEqual(DEFAULTS); // the tuned flags were set by the worker, not here
  });

  it("is ended by the main thread when the worker dies before it ends it", async () => {
    const start = beginWorkerStart();
    const w = new Worker(`throw new Error("dies while starting")`, { eval: true, workerData: { start } });
    await new Promise((r) => w.once("error", r));
    expect(v8TuningState()).toBe("default");
    resumeV8Tuning(start);
    expect(v8TuningState()).toBe("tuned");
    expect(set).toEqual([...DEFAULTS, ...TUNED]);
  });

  it("refuses a tuning without one default per flag; turned off, it puts the defaults back", () => {
    expect(() => enableV8Tuning(TUNED, [])).toThrow(/one default per tuned flag/);
    enableV8Tuning([], []);
    expect(set).toEqual(DEFAULTS);
    expect(v8TuningState()).toBe("none");
    v8TuningForHeavyWork();
    expect(beginWorkerStart()).toBeUndefined();
    expect(set).toEqual(DEFAULTS);
  });
});
