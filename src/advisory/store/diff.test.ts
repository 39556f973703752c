import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { createLogger } from "../../core/logger.js";
import { buildSnapshot } from "./build.js";
import { diffSnapshots } from "./diff.js";
import { checkFreshness } from "./freshness.js";
import { openSnapshot } from "./open.js";

const GHSA = fileURLToPath(new URL("../../../../shared/corpus/advisories/osv/ghsa-sample/", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "vigil-diff-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("diffSnapshots", () => {
  it("lists added, changed, withdrawn and removed advisories and the package keys they touch", async () => {
    const read = (id: string) => JSON.parse(readFileSync(`${GHSA}${id}.json`, "utf8"));
    const oldDir = join(dir, "old");
    const newDir = join(dir, "new");
    mkdirSync(oldDir);
    mkdirSync(newDir);
    for (const id of [
      "GHSA-jfh8-c2jp-5v3q",
      "GHSA-599f-7c49-w659",
      "GHSA-xvch-5gv4-984h",
      "GHSA-c2qf-rxjj-qqgw",
    ])
      writeFileSync(join(oldDir, `${id}.json`), JSON.stringify(read(id)));
    // new: log4j changed (extra fixed range), commons-text withdrawn, semver removed, lodash added
    const log4j = read("GHSA-jfh8-c2jp-5v3q");
    log4j.affected[0].ranges[0].events[1].fixed = "2.15.1";
    writeFileSync(join(newDir, "a.json"), JSON.stringify(log4j));
    writeFileSync(
      join(newDir, "b.json"),
      JSON.stringify({ ...read("GHSA-599f-7c49-w659"), withdrawn: "2026-01-01T00:00:00Z" }),
    );
    writeFileSync(join(newDir, "c.json"), JSON.stringify(read("GHSA-xvch-5gv4-984h")));
    writeFileSync(join(newDir, "d.json"), JSON.stringify(read("GHSA-p6mc-m468-83gw")));
    await buildSnapshot({ sources: [oldDir], out: join(dir, "old.sqlite") });
    await buildSnapshot({ sources: [newDir], out: join(dir, "new.sqlite") });
    const a = openSnapshot(join(dir, "old.sqlite"));
    const b = openSnapshot(join(dir, "new.sqlite"));
    const d = diffSnapshots(a, b);
    expect(d.added).toEqual(["GHSA-p6mc-m468-83gw"]);
    expect(d.changed).toEqual(["GHSA-jfh8-c2jp-5v3q"]);
    expect(d.withdrawn).toEqual(["GHSA-599f-7c49-w659"]);
    expect(d.removed).toEqual(["GHSA-c2qf-rxjj-qqgw"]);
    expect(d.packageKeys).toEqual([
      { namespace: "maven", name: "org.apache.commons:commons-text" },
      { namespace: "maven", name: "org.apache.logging.log4j:log4j-core" },
      { namespace: "npm", name: "lodash" },
      { namespace: "npm", name: "lodash-es" },
      { namespace: "npm", name: "semver" },
    ]);
    expect(d.namespaces).toEqual(["maven", "npm"]);
    expect(diffSnapshots(a, a)).toMatchObject({
      added: [],
      changed: [],
      withdrawn: [],
      removed: [],
      packageKeys: [],
    });
    a.close();
    b.close();
  }, 60_000);
});

describe("checkFreshness", () => {
  const store = { manifest: { builtAt: "2026-01-01T00:00:00.000Z" } } as Parameters<typeof checkFreshness>[0];
  it("warns when stale, fails with --require-fresh-db", () => {
    const logger = createLogger({ quiet: true });
    const f = checkFreshness(store, 7, { logger, now: new Date("2026-01-10T00:00:00Z") });
    expect(f).toMatchObject({ ageDays: 9, stale: true });
    expect(logger.warnings[0]).toMatch(/9\.0 days old/);
    expect(checkFreshness(store, 7, { now: new Date("2026-01-03T00:00:00Z") }).stale).toBe(false);
    expect(() => checkFreshness(store, 7, { require: true, now: new Date("2026-02-01T00:00:00Z") })).toThrow(
      expect.objectContaining({ code: "ADVISORY_DB" }),
    );
  });
});
