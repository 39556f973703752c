/**
 * V8 settings for a CLI run, set with `v8.setFlagsFromString` before any command runs (the CLI only: a
 * library caller keeps its own settings). Measured in docs/benchmarks.md.
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
  const major = Number(v8Version.split(".")[0]);
  if (major !== 11) return [];
  return ["--heap-growing-percent=400", "--interrupt-budget=600000"];
}
