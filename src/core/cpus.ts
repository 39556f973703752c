/**
 * How many CPUs this process can really use: the CPUs it may run on (`os.availableParallelism()`), or
 * fewer when its Linux control group has a CPU quota. A CI runner on Kubernetes with `cpu: 1` on a
 * 64-core node sees 64 CPUs through Node 20's `availableParallelism()` (libuv 1.46 reads the affinity
 * mask only; libuv 1.49 and later read the quota too, as this does). Sizing threads by 64 there makes
 * them compete for one CPU's quota: the kernel throttles the whole group.
 *
 * The quota is read as the Linux kernel applies it: cgroup v2 `cpu.max` ("QUOTA PERIOD" or "max
 * PERIOD") of the process's group and of each parent up to the hierarchy's root, or cgroup v1
 * `cpu.cfs_quota_us` / `cpu.cfs_period_us` (quota -1: none). The smallest limit wins; a fractional one
 * counts down (1.5 CPUs: 1), and never below 1. Anything unreadable or malformed counts as no limit:
 * this sizes thread pools, it must never fail a run.
 */
import { readFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import { join, posix } from "node:path";

const read = (path: string): string | undefined => {
  try {
    // Control files are tiny; a bound keeps a strange file from costing anything.
    const text = readFileSync(path, "utf8");
    return text.length > 64 * 1024 ? undefined : text;
  } catch {
    return undefined;
  }
};

/** CPUs a quota of `quota` µs per `period` µs allows (floored, at least 1), or undefined when none. */
function cpusOf(quota: number, period: number): number | undefined {
  if (!Number.isFinite(quota) || !Number.isFinite(period) || quota <= 0 || period <= 0) return undefined;
  return Math.max(1, Math.floor(quota / period));
}

/** cgroup v2 `cpu.max`: "max 100000" (no limit) or "150000 100000". */
export function parseCpuMax(text: string | undefined): number | undefined {
  const m = /^\s*(max|\d{1,18})\s+(\d{1,18})\s*$/.exec(text ?? "");
  if (!m || m[1] === "max") return undefined;
  return cpusOf(Number(m[1]), Number(m[2]));
}

/** The group's path and its parents, up to the hierarchy's root ("/a/b" → "/a/b", "/a", "/"). */
function selfAndParents(path: string): string[] {
  const out: string[] = [];
  // normalised from "/": no ".." is left, so a hostile path cannot leave the mount
  let p = posix.normalize(`/${path}`);
  while (true) {
    out.push(p);
    if (p === "/") return out;
    p = posix.dirname(p);
  }
}

const min = (a: number | undefined, b: number | undefined): number | undefined =>
  a === undefined ? b : b === undefined ? a : Math.min(a, b);

/**
 * The CPU limit of this process's control group (and its parents), or undefined when there is none or
 * it cannot be read. `root` prefixes every path read (tests give a directory laid out like `/`).
 */
export function cgroupCpuLimit(root = "/"): number | undefined {
  const cgroup = read(join(root, "proc/self/cgroup"));
  if (!cgroup) return undefined;
  let limit: number | undefined;
  for (const line of cgroup.split("\n")) {
    const m = /^(\d+):([^:]*):(.*)$/.exec(line);
    if (!m) continue;
    const [, id, controllers, path] = m as unknown as [string, string, string, string];
    if (id === "0" && controllers === "") {
      // cgroup v2, mounted at /sys/fs/cgroup (in a container with its own cgroup namespace the path is
      // "/": the container's group is the mount's root)
      const mount = join(root, "sys/fs/cgroup");
      if (read(join(mount, "cgroup.controllers")) === undefined) continue;
      for (const p of selfAndParents(path)) limit = min(limit, parseCpuMax(read(join(mount, p, "cpu.max"))));
    } else if (controllers.split(",").includes("cpu")) {
      // cgroup v1: the cpu controller's mount, named after the controllers it holds
      for (const name of [controllers, "cpu,cpuacct", "cpu"]) {
        const mount = join(root, "sys/fs/cgroup", name);
        if (read(join(mount, "cpu.cfs_period_us")) === undefined) continue;
        // Without a cgroup namespace a container sees its host path, while its mount's root is its own
        // group: levels missing under the mount count as no limit, and the mount's root is always read.
        for (const p of selfAndParents(path)) {
          const quota = Number((read(join(mount, p, "cpu.cfs_quota_us")) ?? "").trim());
          const period = Number((read(join(mount, p, "cpu.cfs_period_us")) ?? "").trim());
          limit = min(limit, cpusOf(quota, period));
        }
        break;
      }
    }
  }
  return limit;
}

let cached: number | undefined;

/** `availableParallelism()`, lowered to the control group's CPU quota when there is one; read once. */
export function effectiveParallelism(): number {
  cached ??= Math.max(1, Math.min(availableParallelism(), cgroupCpuLimit() ?? Number.POSITIVE_INFINITY));
  return cached;
}
