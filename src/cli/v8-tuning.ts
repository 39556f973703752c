/**
 * V8 settings for a CLI run, set with `v8.setFlagsFromString` when heavy work begins (the layer walk,
 * matching, building an advisory snapshot), after start-up (the CLI only: a library caller keeps its own
 * settings). They are set back to V8's defaults while a code cache is read or written and while a worker
 * thread starts (src/core/v8-flags.ts). Measured in docs/benchmarks.md.
 *
 * - `--heap-growing-percent=400`: V8 counts the memory of every Buffer against the old generation's limit,
 *   which stays small (~36 MB) while the JavaScript heap itself is ~8 MB, so streaming a layer's hundreds
 *   of MB through 64 KiB–1 MiB buffers starts a major GC every ~28 MB (23 of them pulling the bench image
 *   from a registry). Letting the limit grow 5× per GC leaves 4 or 5, with the same peak RSS.
 * - `--interrupt-budget=600000`: V8 optimises a function once it has run a budget of bytecode (66 KB in
 *   Node 20's V8). A CLI run is short: at the default, ~100 functions of the layer walk and the
 *   catalogers were optimised on V8's helper threads (~0.15 s of CPU on a 2-core host, competing with
 *   the digest checks) for little gain before the run ended. With ~9× the budget, fewer and later: a cold
 *   `vigil sbom` of the bench image's docker archive uses ~0.11 s less CPU and ends ~0.04 s sooner,
 *   `vigil cves` of 2,000 packages ~0.1 s sooner; hot loops of long runs are still optimised.
 *
 * V8 flags are not a stable interface, and V8 answers an unknown one by printing an error on standard
 * output, into a report written there. So they are set only for the V8 they were measured on (Node
 * 20's, V8 11); another V8 runs with its defaults.
 */
export function v8TuningFlags(v8Version: string): string[] {
  return tuning(v8Version).map((t) => t.tuned);
}

/**
 * The same flags at V8's own defaults, in the same order. A worker thread boots under these
 * (src/core/v8-flags.ts): Node compiles its internal modules in a new thread from a code cache that V8
 * accepts only under the flags Node was built with, and with the tuned flags set a worker's start cost
 * ~60 ms of CPU instead of ~28 ms (docs/benchmarks.md).
 */
export function v8DefaultFlags(v8Version: string): string[] {
  return tuning(v8Version).map((t) => t.default);
}

function tuning(v8Version: string): { tuned: string; default: string }[] {
  const major = Number(v8Version.split(".")[0]);
  if (major !== 11) return [];
  return [
    { tuned: "--heap-growing-percent=400", default: "--heap-growing-percent=0" },
    { tuned: "--interrupt-budget=600000", default: "--interrupt-budget=67584" },
  ];
}
