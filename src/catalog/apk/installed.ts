/**
 * Parser for apk's installed database (/lib/apk/db/installed): records of `K:value` lines separated
 * by blank lines. F: opens a directory, R: names a file in the last F: directory.
 */

export interface ApkRecord {
  name: string;
  version: string;
  arch?: string;
  origin?: string;
  license?: string;
  maintainer?: string;
  buildTime?: string;
  commit?: string;
  url?: string;
  files: string[];
  line: number;
}

export interface ParsedApk {
  records: ApkRecord[];
  errors: { line: number; reason: string }[];
}

const NAME_RE = /^[A-Za-z0-9_][A-Za-z0-9_.+-]*$/;
const VERSION_RE = /^[A-Za-z0-9._+~-]+$/;

export function parseApkInstalled(text: string): ParsedApk {
  const records: ApkRecord[] = [];
  const errors: { line: number; reason: string }[] = [];
  let cur: Partial<ApkRecord> & { files: string[] } = { files: [] };
  let start = 0;
  let bad: string | undefined;
  let dir = "";
  let any = false;
  let lineNo = 0;

  const flush = (): void => {
    if (any) {
      if (bad) errors.push({ line: start, reason: bad });
      else if (!cur.name) errors.push({ line: start, reason: "no P: (package name) line" });
      else if (!NAME_RE.test(cur.name) || cur.name.length > 200)
        errors.push({ line: start, reason: `invalid package name "${cur.name.slice(0, 60)}"` });
      else if (!cur.version)
        errors.push({ line: start, reason: `package ${cur.name} has no V: (version) line` });
      else if (!VERSION_RE.test(cur.version) || cur.version.length > 200)
        errors.push({
          line: start,
          reason: `package ${cur.name} has an invalid version "${cur.version.slice(0, 60)}"`,
        });
      else records.push({ ...cur, name: cur.name, version: cur.version, line: start });
    }
    cur = { files: [] };
    bad = undefined;
    dir = "";
    any = false;
  };

  const n = text.length;
  let pos = 0;
  while (pos < n) {
    let end = text.indexOf("\n", pos);
    if (end < 0) end = n;
    lineNo++;
    let lineEnd = end;
    if (lineEnd > pos && text.charCodeAt(lineEnd - 1) === 13) lineEnd--;
    const lineStart = pos;
    pos = end + 1;
    if (lineEnd === lineStart) {
      flush();
      continue;
    }
    if (!any) {
      any = true;
      start = lineNo;
    }
    if (bad) continue;
    if (lineEnd - lineStart < 2 || text.charCodeAt(lineStart + 1) !== 58 /* : */) {
      bad = `line ${lineNo} is not a "K:value" line`;
      continue;
    }
    const key = text[lineStart];
    // Checksums, sizes, dependencies … (C, S, I, T, D, p, r, a, M, Z, i, k, q) are not needed: not sliced.
    if (key === "R") {
      const v = text.slice(lineStart + 2, lineEnd);
      cur.files.push(dir ? `/${dir}/${v}` : `/${v}`);
      continue;
    }
    if (!"PVAoLmtcUF".includes(key!)) continue;
    const v = text.slice(lineStart + 2, lineEnd);
    switch (key) {
      case "P":
      case "V":
        // A record names one package: a second P or V line means two records ran together (a lost blank
        // line), and either package's fields may be the other's.
        if ((key === "P" ? cur.name : cur.version) !== undefined) {
          bad = `line ${lineNo} repeats the ${key}: line (two records run together?)`;
          continue;
        }
        if (key === "P") cur.name = v;
        else cur.version = v;
        break;
      case "A":
        cur.arch = v;
        break;
      case "o":
        cur.origin = v;
        break;
      case "L":
        cur.license = v;
        break;
      case "m":
        cur.maintainer = v;
        break;
      case "t":
        cur.buildTime = v;
        break;
      case "c":
        cur.commit = v;
        break;
      case "U":
        cur.url = v;
        break;
      case "F":
        dir = v.replace(/^\/+|\/+$/g, "");
        break;
    }
  }
  flush();
  return { records, errors };
}
