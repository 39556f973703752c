/**
 * Parser for os-release(5) files: `KEY=value` lines with shell-like quoting.
 * Double quotes honour the escapes \" \\ \$ \` ; single quotes are literal; unquoted values
 * take `\x` as `x` and end at whitespace. Comments (#) and blank lines are ignored, CRLF tolerated.
 */

const KEY_RE = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** Longest value kept (hostile files must not bloat the SBOM). */
const MAX_VALUE = 1024;

export function parseOsRelease(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const rawLine of text.split("\n")) {
    const line = rawLine.replace(/\r$/, "").trim();
    if (line === "" || line.startsWith("#")) continue;
    const eq = line.indexOf("=");
    if (eq <= 0) continue;
    const key = line.slice(0, eq).trim();
    if (!KEY_RE.test(key)) continue;
    const value = unquote(line.slice(eq + 1));
    if (value === undefined) continue;
    out[key] = value.slice(0, MAX_VALUE);
  }
  return out;
}

/** Shell-like unquoting of one value; undefined when a quote is left open. */
function unquote(s: string): string | undefined {
  let out = "";
  let i = 0;
  while (i < s.length) {
    const c = s[i];
    if (c === '"') {
      i++;
      let closed = false;
      while (i < s.length) {
        const d = s[i];
        if (d === "\\" && i + 1 < s.length && '"\\$`'.includes(s[i + 1]!)) {
          out += s[i + 1];
          i += 2;
        } else if (d === '"') {
          closed = true;
          i++;
          break;
        } else {
          out += d;
          i++;
        }
      }
      if (!closed) return undefined;
    } else if (c === "'") {
      const end = s.indexOf("'", i + 1);
      if (end < 0) return undefined;
      out += s.slice(i + 1, end);
      i = end + 1;
    } else if (c === "\\" && i + 1 < s.length) {
      out += s[i + 1];
      i += 2;
    } else if (c === " " || c === "\t") {
      break; // unquoted whitespace ends the value (a trailing comment may follow)
    } else {
      out += c;
      i++;
    }
  }
  return out;
}
