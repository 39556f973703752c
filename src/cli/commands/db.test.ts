/** `vigil db` end to end on the built CLI (dist/, as the other CLI tests): build → status → diff, and errors. */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { SCHEMA_VERSION } from "../../advisory/store/schema.js";

const repo = fileURLToPath(new URL("../../../", import.meta.url));
const ADV = join(repo, "../shared/corpus/advisories/");
const dir = mkdtempSync(join(tmpdir(), "vigil-dbcli-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function run(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const r = spawnSync(process.execPath, [join(repo, "dist/cli/vigil.cjs"), ...args], {
    encoding: "utf8",
    env: {
      ...process.env,
      VIGIL_CACHE_DIR: join(dir, "cache"),
      VIGIL_DATA_DIR: join(dir, "data"),
      XDG_CONFIG_HOME: dir,
    },
    timeout: 120_000,
  });
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
}

describe("vigil db", () => {
  it("builds, reports status and diffs", async () => {
    const a = join(dir, "a.sqlite");
    const b = join(dir, "b.sqlite");
    const r1 = await run("db", "build", "--source", `${ADV}osv/ghsa-sample`, "--output", a);
    expect(r1.code).toBe(0);
    expect(r1.err).toMatch(/osv: 7 records/);
    const r2 = await run(
      "db",
      "build",
      "-q",
      "--source",
      `${ADV}osv/ghsa-sample`,
      "--source",
      `kev=${ADV}kev/known_exploited_vulnerabilities.json.gz`,
      "-o",
      b,
    );
    expect(r2.code).toBe(0);
    const st = await run("db", "status", "--db", b, "--json");
    expect(st.code).toBe(0);
    const j = JSON.parse(st.out);
    expect(j).toMatchObject({ schemaVersion: SCHEMA_VERSION, advisories: 7, kev: 1404, stale: false });
    expect(j.namespaces).toContainEqual({ namespace: "maven", records: 4, packages: 8 });
    const text = await run("db", "status", "--db", a);
    expect(text.out).toMatch(new RegExp(`schema version\\s+${SCHEMA_VERSION}`));
    expect(text.out).toMatch(/osv\s+7 records/);
    const d = await run("db", "diff", a, b, "--json");
    expect(JSON.parse(d.out)).toMatchObject({ added: [], changed: [], removed: [] });
  }, 60_000);

  it("fails with documented exit codes", async () => {
    expect((await run("db", "status", "--db", join(dir, "none.sqlite"))).code).toBe(77);
    const bad = await run("db", "build", "--source", join(dir, "missing"), "-o", join(dir, "x.sqlite"));
    expect(bad.code).toBe(78);
    expect(bad.err).toMatch(/feed source .*missing/);
    expect((await run("db", "status", "--max-age", "-3", "--db", join(dir, "a.sqlite"))).code).toBe(64);
  });
});
