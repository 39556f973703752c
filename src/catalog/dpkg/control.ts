/**
 * deb822 control-file parser (dpkg status, status.d entries): stanzas separated by blank lines,
 * `Field: value` lines, continuation lines starting with a space or tab. Pure and allocation-light:
 * continuation lines are kept only for the few multi-line fields a caller asks for.
 */

export interface Stanza {
  /** 1-based line number where the stanza starts. */
  line: number;
  /** Field name (as written, case preserved) → value (first line; continuation lines for kept fields). */
  fields: Map<string, string>;
}

export interface StanzaError {
  line: number;
  reason: string;
}

export interface ParsedControl {
  stanzas: Stanza[];
  errors: StanzaError[];
}

/**
 * Parse deb822 text. A stanza with a malformed line is dropped (reported in `errors` with its start
 * line); others are kept. `multiline` names fields whose continuation lines are kept (joined by "\n").
 */
export function parseControl(text: string, multiline: ReadonlySet<string> = new Set()): ParsedControl {
  const stanzas: Stanza[] = [];
  const errors: StanzaError[] = [];
  let fields: Map<string, string> | undefined;
  let start = 0;
  let bad: string | undefined;
  let lastField: string | undefined;
  let lineNo = 0;
  let pos = 0;
  const n = text.length;

  const flush = (): void => {
    if (fields) {
      if (bad) errors.push({ line: start, reason: bad });
      else stanzas.push({ line: start, fields });
    }
    fields = undefined;
    bad = undefined;
    lastField = undefined;
  };

  while (pos <= n) {
    let end = text.indexOf("\n", pos);
    if (end < 0) end = n;
    let line = text.slice(pos, end);
    pos = end + 1;
    lineNo++;
    if (line.endsWith("\r")) line = line.slice(0, -1);
    if (line.trim() === "") {
      flush();
      if (end === n) break;
      continue;
    }
    if (!fields) {
      fields = new Map();
      start = lineNo;
    }
    if (bad) continue;
    const c0 = line.charCodeAt(0);
    if (c0 === 32 || c0 === 9) {
      if (lastField === undefined) {
        bad = `continuation line ${lineNo} without a field`;
      } else if (multiline.has(lastField)) {
        fields.set(lastField, `${fields.get(lastField)}\n${line.trim()}`);
      }
      continue;
    }
    if (c0 === 35 /* # */) continue; // comment lines are allowed in deb822
    const colon = line.indexOf(":");
    if (colon <= 0) {
      bad = `line ${lineNo} is not a "Field: value" line`;
      continue;
    }
    const name = line.slice(0, colon);
    if (/\s/.test(name)) {
      bad = `line ${lineNo} has an invalid field name`;
      continue;
    }
    const value = line.slice(colon + 1).trim();
    fields.set(name, value);
    lastField = name;
    if (end === n) break;
  }
  flush();
  return { stanzas, errors };
}
