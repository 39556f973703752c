#!/usr/bin/env node
/**
 * Writes a Debian security-tracker JSON file (the format of security-tracker.debian.org/tracker/data/json)
 * from the Debian changelogs of installed packages: every CVE a changelog entry names is recorded as
 * "resolved" in bookworm, fixed in the OLDEST version whose entry names it. Only facts stated by Debian's
 * own changelogs go in; the urgency is left "not yet assigned" (the tracker's word for "no rating"),
 * because changelogs carry only the upload's urgency, not the CVE's.
 *
 *   node debian-from-changelogs.mjs OUT.json SRC=path/to/changelog.Debian.gz …
 */
import { readFileSync, writeFileSync } from "node:fs";
import { gunzipSync } from "node:zlib";

const [out, ...args] = process.argv.slice(2);
const data = {};
for (const arg of args) {
  const [src, file] = arg.split("=");
  const text = gunzipSync(readFileSync(file)).toString("utf8");
  const current = /^\S+ \(([^)]+)\)/.exec(text)?.[1];
  const fixedIn = new Map();
  let version;
  for (const line of text.split("\n")) {
    const h = /^(\S+) \(([^)]+)\) ([^;]+);/.exec(line);
    if (h) {
      version = h[2];
      continue;
    }
    for (const m of line.matchAll(/CVE-\d{4}-\d{4,}/g)) fixedIn.set(m[0], version); // later (older) entries overwrite
  }
  data[src] = {};
  for (const [cve, v] of [...fixedIn].sort()) {
    data[src][cve] = {
      scope: "local",
      releases: {
        bookworm: {
          status: "resolved",
          repositories: { bookworm: current },
          fixed_version: v,
          urgency: "not yet assigned",
        },
      },
    };
  }
}
writeFileSync(out, `${JSON.stringify(data, null, 2)}\n`);
