import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmdirSync, rmSync, writeFileSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { cgroupCpuLimit, effectiveParallelism, parseCpuMax } from "./cpus.js";

const work = mkdtempSync(join(tmpdir(), "vigil-cpus-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));
let n = 0;
/** A directory laid out like `/`, with these files. */
function tree(files: Record<string, string>): string {
  const root = join(work, `root${n++}`);
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  mkdirSync(root, { recursive: true });
  return root;
}
const V2 = "sys/fs/cgroup";

describe("cgroup CPU limits", () => {
  it("reads cgroup v2 cpu.max as floored CPUs, never below 1", () => {
    expect(parseCpuMax("max 100000\n")).toBeUndefined();
    expect(parseCpuMax("200000 100000\n")).toBe(2);
    expect(parseCpuMax("250000 100000")).toBe(2);
    expect(parseCpuMax("50000 100000")).toBe(1);
    expect(parseCpuMax("0 100000")).toBeUndefined();
    expect(parseCpuMax("100000 0")).toBeUndefined();
    for (const bad of ["", "max", "-5 100000", "1e9 100000", "abc def", "100000 100000 7", undefined])
      expect(parseCpuMax(bad)).toBeUndefined();
  });

  it("takes the smallest cgroup v2 limit of the group and its parents", () => {
    const root = tree({
      "proc/self/cgroup": "0::/ci/job7\n",
      [`${V2}/cgroup.controllers`]: "cpu memory\n",
      [`${V2}/ci/job7/cpu.max`]: "max 100000\n",
      [`${V2}/ci/cpu.max`]: "350000 100000\n",
    });
    expect(cgroupCpuLimit(root)).toBe(3);
    writeFileSync(join(root, V2, "ci/job7/cpu.max"), "150000 100000\n");
    expect(cgroupCpuLimit(root)).toBe(1);
  });

  it("has no limit without a quota, without cgroup v2 mounted, or without /proc/self/cgroup", () => {
    expect(
      cgroupCpuLimit(
        tree({
          "proc/self/cgroup": "0::/\n",
          [`${V2}/cgroup.controllers`]: "cpu\n",
          [`${V2}/cpu.max`]: "max 100000\n",
        }),
      ),
    ).toBeUndefined();
    // the v2 line is there but the hierarchy is not mounted at /sys/fs/cgroup (a v1 host)
    expect(cgroupCpuLimit(tree({ "proc/self/cgroup": "0::/\n", [`${V2}/cpu.max`]: "100000 100000\n" }))).toBe(
      undefined,
    );
    expect(cgroupCpuLimit(tree({}))).toBeUndefined();
  });

  it("reads cgroup v1 cpu.cfs_quota_us / cpu.cfs_period_us along the group's path", () => {
    const root = tree({
      "proc/self/cgroup": "9:name=systemd:/\n5:cpu,cpuacct:/kubepods/pod1/c1\n4:memory:/x\n0::/\n",
      [`${V2}/cpu,cpuacct/cpu.cfs_period_us`]: "100000\n",
      [`${V2}/cpu,cpuacct/cpu.cfs_quota_us`]: "-1\n",
      [`${V2}/cpu,cpuacct/kubepods/pod1/c1/cpu.cfs_period_us`]: "100000\n",
      [`${V2}/cpu,cpuacct/kubepods/pod1/c1/cpu.cfs_quota_us`]: "-1\n",
      [`${V2}/cpu,cpuacct/kubepods/pod1/cpu.cfs_period_us`]: "100000\n",
      [`${V2}/cpu,cpuacct/kubepods/pod1/cpu.cfs_quota_us`]: "200000\n",
    });
    expect(cgroupCpuLimit(root)).toBe(2);
    writeFileSync(join(root, V2, "cpu,cpuacct/kubepods/pod1/cpu.cfs_quota_us"), "-1\n");
    expect(cgroupCpuLimit(root)).toBeUndefined();
  });

  it("reads the cgroup v1 mount's root when the group's host path is not under it (a container)", () => {
    const root = tree({
      "proc/self/cgroup": "3:cpu:/docker/0123abcd\n",
      [`${V2}/cpu/cpu.cfs_period_us`]: "100000\n",
      [`${V2}/cpu/cpu.cfs_quota_us`]: "300000\n",
    });
    expect(cgroupCpuLimit(root)).toBe(3);
  });

  it("never reads outside the hierarchy, and counts malformed files as no limit", () => {
    const root = tree({
      "proc/self/cgroup": "0::/../../../../etc\n",
      [`${V2}/cgroup.controllers`]: "cpu\n",
      "etc/cpu.max": "100000 100000\n",
    });
    expect(cgroupCpuLimit(root)).toBeUndefined();
    const bad = tree({
      "proc/self/cgroup": "garbage\n3:cpu:/g\n",
      [`${V2}/cpu/cpu.cfs_period_us`]: "100000\n",
      [`${V2}/cpu/g/cpu.cfs_period_us`]: "hundred\n",
      [`${V2}/cpu/g/cpu.cfs_quota_us`]: "200000\n",
    });
    expect(cgroupCpuLimit(bad)).toBeUndefined();
  });

  it("lowers availableParallelism() to the quota, to at least 1", () => {
    const p = effectiveParallelism();
    expect(p).toBeGreaterThanOrEqual(1);
    expect(p).toBeLessThanOrEqual(availableParallelism());
    expect(p).toBe(Math.max(1, Math.min(availableParallelism(), cgroupCpuLimit() ?? Infinity)));
  });
});

// With root and a writable cgroup v1 cpu hierarchy (this project's CI VMs), the same in a real group
// with a one-CPU quota: the kernel's own files, read by a process moved into it.
const V1_CPU = "/sys/fs/cgroup/cpu";
const canMakeGroup = (() => {
  try {
    const probe = join(V1_CPU, `vigil-probe-${process.pid}`);
    mkdirSync(probe);
    rmdirSync(probe);
    return true;
  } catch {
    return false;
  }
})();

describe.runIf(canMakeGroup)("in a real cgroup v1 group with a CPU quota", () => {
  it("counts one CPU under a one-CPU quota, and under a quota of 1.5 CPUs", () => {
    // the build's copy (CI builds before it tests): a plain node process cannot load TypeScript
    const cpus = fileURLToPath(new URL("../../dist/core/cpus.js", import.meta.url));
    for (const quota of ["100000", "150000"]) {
      const group = join(V1_CPU, `vigil-test-${process.pid}-${quota}`);
      mkdirSync(group);
      try {
        writeFileSync(join(group, "cpu.cfs_quota_us"), quota);
        // the shell moves itself into the group, then becomes node
        const out = execFileSync(
          "sh",
          [
            "-c",
            `echo $$ > ${group}/cgroup.procs && exec "$0" --input-type=module -e "$1"`,
            process.execPath,
            `const { effectiveParallelism, cgroupCpuLimit } = await import(${JSON.stringify(cpus)}); console.log(cgroupCpuLimit(), effectiveParallelism());`,
          ],
          { encoding: "utf8" },
        );
        expect(out.trim()).toBe("1 1");
      } finally {
        rmdirSync(group);
      }
    }
  });
});
