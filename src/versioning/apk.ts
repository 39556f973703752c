/**
 * Alpine apk versions, ordered as apk-tools 3 (src/version.c) does:
 * `digit{.digit}...{letter}{_suffix{number}}...{~hash}{-r#}`, suffixes
 * `_alpha < _beta < _pre < _rc < (none) < _cvs < _svn < _git < _hg < _p`.
 *
 * - `parse`/`isValid` are apk's `apk_version_validate`.
 * - `compare` is total like apk's: it walks tokens until one side becomes invalid, so versions
 *   that apk rejects (they occur in real secdb data, e.g. `1.18.-r2`) still order consistently.
 *   One refinement over apk: where apk would call two invalid tails "equal", we compare the
 *   remaining text byte-wise (the "string sort" apk's own test data describes), so that `a < b`
 *   and only identical tails compare equal.
 * - Numbers are compared as arbitrary-precision digit strings (apk uses uint64).
 */
import { basicProblem, ParseCache } from "./cache.js";
import { InvalidVersionError, type VersionScheme } from "./types.js";

enum T {
  InitialDigit = 0,
  Digit = 1,
  Letter = 2,
  Suffix = 3,
  SuffixNo = 4,
  CommitHash = 5,
  RevisionNo = 6,
  End = 7,
  Invalid = 8,
}

// SUFFIX values: alpha..rc are below NONE (5), cvs..p above.
const SUFFIX_NONE = 5;
const SUFFIXES: Record<string, number> = {
  alpha: 1,
  beta: 2,
  pre: 3,
  rc: 4,
  cvs: 6,
  svn: 7,
  git: 8,
  hg: 9,
  p: 10,
};

interface Token {
  readonly type: T;
  /** Raw text of the token's value (digits, letter, suffix name, hash), or the invalid tail. */
  readonly text: string;
  readonly suffix: number;
}

const cache = new ParseCache<readonly Token[]>();

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}
function isLower(c: number): boolean {
  return c >= 97 && c <= 122;
}
function isHex(c: number): boolean {
  return isDigit(c) || (c >= 97 && c <= 102);
}

/** Tokenise like apk-tools; the list always ends with an End or Invalid token. */
export function apkTokens(s: string): readonly Token[] {
  const cached = cache.get(s);
  if (cached) return cached;
  const out: Token[] = [];
  let pos = 0;
  const digits = (): string => {
    const start = pos;
    while (pos < s.length && isDigit(s.charCodeAt(pos))) pos++;
    return s.slice(start, pos);
  };
  const invalid = (from: number): void => {
    out.push({ type: T.Invalid, text: s.slice(from), suffix: 0 });
  };
  const first = digits();
  if (first === "") invalid(0);
  else {
    out.push({ type: T.InitialDigit, text: first, suffix: 0 });
    let prev: T = T.InitialDigit;
    for (;;) {
      if (pos >= s.length) {
        out.push({ type: T.End, text: "", suffix: 0 });
        break;
      }
      const start = pos;
      const c = s.charCodeAt(pos);
      let tok: Token | undefined;
      if (isLower(c)) {
        if (prev <= T.Digit) {
          pos++;
          tok = { type: T.Letter, text: s[start]!, suffix: 0 };
        }
      } else if (c === 46 /* . */ || isDigit(c)) {
        if (c === 46 && prev > T.Digit) {
          // invalid
        } else {
          if (c === 46) pos++;
          const type =
            prev === T.InitialDigit || prev === T.Digit
              ? T.Digit
              : prev === T.Suffix
                ? T.SuffixNo
                : T.Invalid;
          if (type !== T.Invalid) {
            const d = digits();
            if (d !== "") tok = { type, text: d, suffix: 0 };
          }
        }
      } else if (c === 95 /* _ */) {
        if (prev <= T.SuffixNo) {
          pos++;
          const from = pos;
          while (pos < s.length && isLower(s.charCodeAt(pos))) pos++;
          const name = s.slice(from, pos);
          const value = SUFFIXES[name];
          if (value !== undefined) tok = { type: T.Suffix, text: name, suffix: value };
        }
      } else if (c === 126 /* ~ */) {
        if (prev < T.CommitHash) {
          pos++;
          const from = pos;
          while (pos < s.length && isHex(s.charCodeAt(pos))) pos++;
          if (pos > from) tok = { type: T.CommitHash, text: s.slice(from, pos), suffix: 0 };
        }
      } else if (c === 45 /* - */) {
        if (prev < T.RevisionNo && s.charCodeAt(pos + 1) === 114 /* r */) {
          pos += 2;
          const d = digits();
          if (d !== "") tok = { type: T.RevisionNo, text: d, suffix: 0 };
        }
      }
      if (!tok) {
        invalid(start);
        break;
      }
      out.push(tok);
      prev = tok.type;
    }
  }
  cache.set(s, out);
  return out;
}

function compareNumeric(a: string, b: string): number {
  let i = 0;
  let j = 0;
  while (i < a.length - 1 && a.charCodeAt(i) === 48) i++;
  while (j < b.length - 1 && b.charCodeAt(j) === 48) j++;
  const la = a.length - i;
  const lb = b.length - j;
  if (la !== lb) return la < lb ? -1 : 1;
  const x = a.slice(i);
  const y = b.slice(j);
  return x < y ? -1 : x > y ? 1 : 0;
}

function byteCompare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function tokenCompare(a: Token, b: Token): number {
  switch (a.type) {
    case T.Digit:
      // Leading zero on either side: raw string comparison (as Gentoo and apk do).
      if (a.text.charCodeAt(0) === 48 || b.text.charCodeAt(0) === 48) return byteCompare(a.text, b.text);
      return compareNumeric(a.text, b.text);
    case T.InitialDigit:
    case T.SuffixNo:
    case T.RevisionNo:
      return compareNumeric(a.text, b.text);
    case T.Letter:
      return byteCompare(a.text, b.text);
    case T.Suffix:
      return a.suffix - b.suffix;
    default:
      return byteCompare(a.text, b.text);
  }
}

function compareTokens(ta: readonly Token[], tb: readonly Token[], fuzzy: boolean): number {
  let k = 0;
  for (;;) {
    const a = ta[k]!;
    const b = tb[k]!;
    if (a.type !== b.type || a.type >= T.End) {
      if (a.type === b.type) {
        // both End (equal) or both Invalid: compare the invalid tails
        return a.type === T.Invalid ? Math.sign(byteCompare(a.text, b.text)) : 0;
      }
      if (b.type === T.End && fuzzy) return 0;
      if (a.type === T.Suffix && a.suffix < SUFFIX_NONE) return -1;
      if (b.type === T.Suffix && b.suffix < SUFFIX_NONE) return 1;
      return a.type > b.type ? -1 : 1;
    }
    const r = tokenCompare(a, b);
    if (r !== 0) return r < 0 ? -1 : 1;
    k++;
  }
}

export function parseApk(version: string): readonly Token[] {
  const problem = basicProblem(version);
  if (problem) throw new InvalidVersionError("apk", version, problem);
  if (version === "") throw new InvalidVersionError("apk", version, "empty version");
  const tokens = apkTokens(version);
  const last = tokens[tokens.length - 1]!;
  if (last.type === T.Invalid) {
    const at = version.length - last.text.length;
    throw new InvalidVersionError(
      "apk",
      version,
      `unexpected ${JSON.stringify(last.text.slice(0, 20) || "end")} at offset ${at}`,
    );
  }
  return tokens;
}

function guard(version: string): void {
  const problem = basicProblem(version);
  if (problem) throw new InvalidVersionError("apk", version, problem);
  if (version === "") throw new InvalidVersionError("apk", version, "empty version");
}

/** Lenient total order over apk version strings (see the module comment). */
export function compareApk(a: string, b: string): number {
  guard(a);
  guard(b);
  if (a === b) return 0;
  return compareTokens(apkTokens(a), apkTokens(b), false);
}

/**
 * apk's fuzzy operators (`~`, `<~`, `>~`, `!~` in version.data): `~` is a prefix match —
 * `a ~ b` holds when a equals b or a's tokens start with all of b's tokens.
 */
export function apkFuzzyMatch(a: string, op: "~" | "<~" | ">~" | "!~", b: string): boolean {
  guard(a);
  guard(b);
  const r = compareTokens(apkTokens(a), apkTokens(b), true);
  switch (op) {
    case "~":
      return r === 0;
    case "!~":
      return r !== 0;
    case "<~":
      return r <= 0;
    case ">~":
      return r >= 0;
  }
}

export const apk: VersionScheme = {
  name: "apk",
  parse: parseApk,
  isValid(version: string): boolean {
    try {
      parseApk(version);
      return true;
    } catch {
      return false;
    }
  },
  compare: compareApk,
};
