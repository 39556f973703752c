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

  for (const raw of text.split("\n")) {
    lineNo++;
    const line = raw.endsWith("\r") ? raw.slice(0, -1) : raw;
    if (line === "") {
      flush();
      continue;
    }
    if (!any) {
      any = true;
      start = lineNo;
    }
    if (bad) continue;
    if (line.length < 2 || line[1] !== ":") {
      bad = `line ${lineNo} is not a "K:value" line`;
      continue;
    }
    const v = line.slice(2);
    switch (line[0]) {
      case "P":
        cur.name = v;
        break;
      case "V":
        cur.version = v;
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
      case "R":
        cur.files.push(dir ? `/${dir}/${v}` : `/${v}`);
        break;
      default:
        break; // other keys (C, S, I, T, D, p, r, a, M, Z, i, k, q …) are not needed
    }
  }
  flush();
  return { records, errors };
}
