import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { v8DefaultFlags, v8TuningFlags } from "./v8-tuning.js";

describe("v8TuningFlags", () => {
  it("tunes only the V8 the settings were measured on", () => {
    expect(v8TuningFlags("11.3.244.8-node.38")).toEqual([
      "--heap-growing-percent=400",
      "--interrupt-budget=600000",
    ]);
    expect(v8TuningFlags("12.4.254.21-node.33")).toEqual([]);
    expect(v8TuningFlags("13.6.233.10-node.27")).toEqual([]);
    expect(v8TuningFlags("")).toEqual([]);
  });

  it("knows each flag's default as this runtime's V8 states it (worker threads start under them)", () => {
    expect(v8DefaultFlags("11.3.244.8-node.38")).toEqual([
      "--heap-growing-percent=0",
      "--interrupt-budget=67584",
    ]);
    expect(v8DefaultFlags("12.4.254.21-node.33")).toEqual([]);
    const options = spawnSync(process.execPath, ["--v8-options"], { encoding: "utf8" }).stdout;
    const tuned = v8TuningFlags(process.versions.v8);
    const defaults = v8DefaultFlags(process.versions.v8);
    expect(defaults.map((f) => f.replace(/=.*$/, ""))).toEqual(tuned.map((f) => f.replace(/=.*$/, "")));
    for (const d of defaults) {
      const name = d.replace(/=.*$/, "");
      expect(options, name).toMatch(
        new RegExp(`^\\s+${name}\\s[^\\n]*\\n\\s+type: \\w+\\s+default: ${d}$`, "m"),
      );
    }
  });

  it("sets only flags this runtime's V8 knows, silently (an unknown one would print on stdout)", () => {
    const flags = v8TuningFlags(process.versions.v8);
    const options = spawnSync(process.execPath, ["--v8-options"], { encoding: "utf8" }).stdout;
    for (const f of flags) {
      const name = f.replace(/=.*$/, "");
      expect(options, name).toMatch(new RegExp(`^\\s+${name}\\s`, "m"));
    }
    const script = `const v8 = require("node:v8"); for (const f of ${JSON.stringify(flags)}) v8.setFlagsFromString(f);`;
    const r = spawnSync(process.execPath, ["-e", script], { encoding: "utf8" });
    expect(r.status).toBe(0);
    expect(r.stdout).toBe("");
    expect(r.stderr).toBe("");
    // The check above can fail: an unknown flag does print.
    const bad = spawnSync(
      process.execPath,
      ["-e", `require("node:v8").setFlagsFromString("--no-such-v8-flag")`],
      {
        encoding: "utf8",
      },
    );
    expect(bad.stdout + bad.stderr).toMatch(/unrecognized flag/);
  });
});
