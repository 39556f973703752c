/**
 * deb822 control-file parser (dpkg status, status.d entries): stanzas separated by blank lines,
 * `Field: value` lines, continuation lines starting with a space or tab. Works on indices into the
 * text and only slices the fields a caller asks for, so a 1,000-package status file parses in a few ms.
 */

export interface Stanza {
  /** 1-based line number where the stanza starts. */
  line: number;
  /** Field name (as written) → value (first line; continuation lines for multi-line fields asked for). */
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

export interface ParseControlOptions {
  /** Fields to keep (all when undefined). */
  fields?: ReadonlySet<string>;
  /** Fields whose continuation lines are kept (joined by "\n"). */
  multiline?: ReadonlySet<string>;
}

const SPACE = 32;
const TAB = 9;
const CR = 13;
const HASH = 35;

/**
 * Parse deb822 text. A stanza with a malformed line is dropped (reported in `errors` with its start
 * line); the others are kept.
 */
export function parseControl(text: string, opts: ParseControlOptions = {}): ParsedControl {
  const keep = opts.fields;
  const multiline = opts.multiline;
  const stanzas: Stanza[] = [];
  const errors: StanzaError[] = [];
  let fields: Map<string, string> | undefined;
  let start = 0;
  let bad: string | undefined;
  let lastField: string | undefined;
  let lastKept = false;
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
    lastKept = false;
  };

  while (pos < n) {
    let end = text.indexOf("\n", pos);
    if (end < 0) end = n;
    lineNo++;
    let lineEnd = end;
    if (lineEnd > pos && text.charCodeAt(lineEnd - 1) === CR) lineEnd--;
    const c0 = text.charCodeAt(pos);
    if (lineEnd === pos || ((c0 === SPACE || c0 === TAB) && text.slice(pos, lineEnd).trim() === "")) {
      flush();
      pos = end + 1;
      continue;
    }
    if (!fields) {
      fields = new Map();
      start = lineNo;
    }
    if (bad) {
      pos = end + 1;
      continue;
    }
    if (c0 === SPACE || c0 === TAB) {
      if (lastField === undefined) bad = `continuation line ${lineNo} without a field`;
      else if (lastKept && multiline?.has(lastField))
        fields.set(lastField, `${fields.get(lastField)}\n${text.slice(pos, lineEnd).trim()}`);
      pos = end + 1;
      continue;
    }
    if (c0 === HASH) {
      pos = end + 1;
      continue; // comment lines are allowed in deb822
    }
    const colon = text.indexOf(":", pos);
    if (colon < 0 || colon >= lineEnd || colon === pos) {
      bad = `line ${lineNo} is not a "Field: value" line`;
      pos = end + 1;
      continue;
    }
    const name = text.slice(pos, colon);
    if (hasSpace(name)) {
      bad = `line ${lineNo} has an invalid field name`;
      pos = end + 1;
      continue;
    }
    lastField = name;
    lastKept = keep === undefined || keep.has(name);
    if (lastKept) {
      // dpkg refuses a field given twice in a stanza; in a status file it means two stanzas ran
      // together (a lost blank line), and either package's fields may be the other's.
      if (fields.has(name)) {
        bad = `line ${lineNo} repeats the ${name} field (two stanzas run together?)`;
        pos = end + 1;
        continue;
      }
      fields.set(name, text.slice(colon + 1, lineEnd).trim());
    }
    pos = end + 1;
  }
  flush();
  return { stanzas, errors };
}

function hasSpace(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === SPACE || c === TAB) return true;
  }
  return false;
}
