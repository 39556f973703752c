/**
 * Core-metadata parsing (PEP 241/314/345/566/643: METADATA, PKG-INFO and single-file .egg-info) and
 * RECORD / installed-files.txt reading. Pure functions.
 */
import { posix } from "node:path";

/** Header fields, keys lower-cased, values in order. Stops at the first blank line (the description body). */
export function parseHeaders(text: string, maxFields = 10_000): Map<string, string[]> {
  const fields = new Map<string, string[]>();
  let lastKey: string | undefined;
  let count = 0;
  let start = 0;
  while (start <= text.length) {
    let end = text.indexOf("\n", start);
    if (end < 0) end = text.length;
    let line = text.slice(start, end);
    start = end + 1;
    if (line.endsWith("\r")) line = line.slice(0, -1);
    if (line.trim() === "") {
      if (count > 0) break;
      continue;
    }
    const first = line.charCodeAt(0);
    if (first === 32 || first === 9) {
      // continuation line of the previous field
      if (lastKey) {
        const vals = fields.get(lastKey);
        if (vals && vals.length > 0) vals[vals.length - 1] += `\n${line.trim()}`;
      }
      continue;
    }
    const colon = line.indexOf(":");
    if (colon <= 0) continue; // stray line in a malformed file: ignored
    const key = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    const vals = fields.get(key);
    if (vals) vals.push(value);
    else fields.set(key, [value]);
    lastKey = key;
    if (++count >= maxFields) break;
  }
  return fields;
}

/** PEP 503 normalised project name: lower case, runs of "-", "_", "." become one "-". */
export function normalizeName(name: string): string {
  let out = "";
  let sep = false;
  for (const ch of name.toLowerCase()) {
    if (ch === "-" || ch === "_" || ch === ".") {
      sep = true;
      continue;
    }
    if (sep && out.length > 0) out += "-";
    sep = false;
    out += ch;
  }
  return out;
}

const CLASSIFIER_SPDX: Record<string, string> = {
  "MIT License": "MIT",
  "Mozilla Public License 2.0 (MPL 2.0)": "MPL-2.0",
  "ISC License (ISCL)": "ISC",
  "Python Software Foundation License": "PSF-2.0",
  "GNU General Public License v2 (GPLv2)": "GPL-2.0-only",
  "GNU General Public License v2 or later (GPLv2+)": "GPL-2.0-or-later",
  "GNU General Public License v3 (GPLv3)": "GPL-3.0-only",
  "GNU General Public License v3 or later (GPLv3+)": "GPL-3.0-or-later",
  "GNU Lesser General Public License v2 (LGPLv2)": "LGPL-2.0-only",
  "GNU Lesser General Public License v2 or later (LGPLv2+)": "LGPL-2.0-or-later",
  "GNU Lesser General Public License v3 (LGPLv3)": "LGPL-3.0-only",
  "GNU Lesser General Public License v3 or later (LGPLv3+)": "LGPL-3.0-or-later",
  "GNU Affero General Public License v3": "AGPL-3.0-only",
  "The Unlicense (Unlicense)": "Unlicense",
  "zlib/libpng License": "Zlib",
};

/**
 * Declared licences: `License-Expression` (PEP 639) wins; else a short one-line `License` (long texts
 * and "UNKNOWN" are ignored); else `Classifier: License :: …` entries (SPDX id where unambiguous).
 */
export function licensesOf(fields: Map<string, string[]>): string[] | undefined {
  const expr = fields.get("license-expression")?.[0];
  if (expr && expr.length <= 512) return [expr];
  const lic = fields.get("license")?.[0]?.trim();
  if (lic && !lic.includes("\n") && lic.length <= 128 && lic.toUpperCase() !== "UNKNOWN") return [lic];
  const out: string[] = [];
  for (const c of fields.get("classifier") ?? []) {
    if (!c.startsWith("License ::")) continue;
    const parts = c.split("::").map((s) => s.trim());
    const last = parts[parts.length - 1];
    if (!last || last === "OSI Approved" || last === "Other/Proprietary License") continue;
    out.push(CLASSIFIER_SPDX[last] ?? last);
  }
  return out.length > 0 ? [...new Set(out)] : undefined;
}

/**
 * Absolute paths from a RECORD file (CSV: path,hash,size; paths relative to `baseDir`, the
 * site-packages directory). Quoted paths are unquoted; lines that are not CSV are skipped.
 */
export function recordPaths(text: string, baseDir: string, max = 100_000): string[] {
  const out: string[] = [];
  for (const raw of text.split("\n")) {
    const line = raw.endsWith("\r") ? raw.slice(0, -1) : raw;
    if (!line) continue;
    let path: string;
    if (line.startsWith('"')) {
      const close = line.indexOf('",');
      if (close < 0) continue;
      path = line.slice(1, close).replaceAll('""', '"');
    } else {
      const comma = line.indexOf(",");
      if (comma <= 0) continue;
      path = line.slice(0, comma);
    }
    out.push(posix.isAbsolute(path) ? posix.normalize(path) : posix.join(baseDir, path));
    if (out.length >= max) break;
  }
  return out;
}

/** Absolute paths from an egg-info `installed-files.txt` (one path per line, relative to the egg-info dir). */
export function installedFilesPaths(text: string, eggInfoDir: string, max = 100_000): string[] {
  const out: string[] = [];
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (!line) continue;
    out.push(posix.isAbsolute(line) ? posix.normalize(line) : posix.join(eggInfoDir, line));
    if (out.length >= max) break;
  }
  return out;
}
