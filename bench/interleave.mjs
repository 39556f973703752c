// Runs several commands interleaved, one of each per round after a warm-up round, so that a host whose
// speed drifts (a shared VM) slows them alike, and writes every run's wall and CPU time as JSON.
// Figures derived per round (a ratio to a floor, a peer's time net of its start-up) are then steadier
// than figures taken minutes apart.
//
//   node bench/interleave.mjs RUNS OUT.json NAME PREPARE COMMAND [NAME PREPARE COMMAND ...]
//
// PREPARE ("" for none) runs before each run of COMMAND, untimed. Commands run through /bin/sh.
// CPU is user+sys from /usr/bin/time (Debian package `time`), or null without it.
// A NAME ending in "+log" also records `lognet`: the time from the first ISO-8601 timestamp the command
// logs on stderr (Trivy with --debug) to its exit, i.e. its work without its start-up. The peer Trivy
// binary is UPX-packed and spends 3.5–6 s unpacking itself before its code runs, so its wall time minus
// that of `trivy --version` is a difference of two large, noisy numbers (per-round values ranged over
// more than a second on a shared VM). With --debug, Trivy logs a millisecond timestamp as its first act
// after parsing its flags; from there to its exit is its own work. That leaves out the Go runtime's start
// and the flag parsing (a few ms): a lower bound, steady to ±0.05 s.
// Prints one line per command: median wall, min wall and median CPU.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const [runsArg, out, ...rest] = process.argv.slice(2);
const runs = Number(runsArg);
if (!Number.isInteger(runs) || runs < 1 || !out || rest.length === 0 || rest.length % 3 !== 0) {
  console.error("usage: interleave.mjs RUNS OUT.json NAME PREPARE COMMAND [NAME PREPARE COMMAND ...]");
  process.exit(64);
}
const cmds = [];
for (let i = 0; i < rest.length; i += 3)
  cmds.push({ name: rest[i], prepare: rest[i + 1], command: rest[i + 2] });

const TIME = "/usr/bin/time";
const haveTime = existsSync(TIME);
const tmp = mkdtempSync(join(tmpdir(), "vigil-interleave-"));
const cpuFile = join(tmp, "cpu");

function runOnce({ prepare, command }) {
  if (prepare) {
    const p = spawnSync("/bin/sh", ["-c", prepare], { stdio: "ignore" });
    if (p.status !== 0) throw new Error(`prepare failed (exit ${p.status}): ${prepare}`);
  }
  const argv = haveTime
    ? [TIME, "-f", "%U %S", "-o", cpuFile, "/bin/sh", "-c", `exec ${command}`]
    : ["/bin/sh", "-c", `exec ${command}`];
  const t = process.hrtime.bigint();
  const r = spawnSync(argv[0], argv.slice(1), { stdio: ["ignore", "ignore", "pipe"], maxBuffer: 64 << 20 });
  const wall = Number(process.hrtime.bigint() - t) / 1e9;
  const ended = Date.now();
  if (r.status !== 0) throw new Error(`exit ${r.status}: ${command}\n${r.stderr.toString().slice(-2000)}`);
  let cpu = null;
  if (haveTime) {
    const [u, s] = readFileSync(cpuFile, "utf8").trim().split("\n").pop().split(" ").map(Number);
    cpu = u + s;
  }
  let lognet = null;
  const m = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3})Z/m.exec(r.stderr.toString("utf8"));
  if (m) lognet = (ended - Date.parse(`${m[1]}Z`)) / 1000;
  return { wall, cpu, lognet };
}

const results = Object.fromEntries(
  cmds.map((c) => [
    c.name,
    { command: c.command, wall: [], cpu: [], ...(c.name.endsWith("+log") ? { lognet: [] } : {}) },
  ]),
);
try {
  for (let round = 0; round <= runs; round++) {
    for (const c of cmds) {
      const r = runOnce(c);
      if (round === 0) continue; // warm-up
      results[c.name].wall.push(r.wall);
      results[c.name].cpu.push(r.cpu);
      if (results[c.name].lognet) {
        if (r.lognet === null) throw new Error(`no timestamped log line on stderr: ${c.command}`);
        results[c.name].lognet.push(r.lognet);
      }
    }
  }
} catch (e) {
  console.error(`interleave: ${e.message}`);
  process.exit(1);
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
writeFileSync(out, JSON.stringify({ runs, results }, null, 1));
const median = (a) => [...a].sort((x, y) => x - y)[a.length >> 1];
for (const c of cmds) {
  const r = results[c.name];
  const cpu = haveTime ? median(r.cpu).toFixed(3) : "-";
  console.log(
    `${c.name}: median ${median(r.wall).toFixed(3)} s, min ${Math.min(...r.wall).toFixed(3)} s, CPU ${cpu} s`,
  );
}
