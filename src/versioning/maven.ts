/**
 * Maven versions, ordered exactly as Maven's ComparableVersion (apache/maven master,
 * compat/maven-artifact — the "newer" semantics that Maven 3.9+/4, GHSA and OSV follow):
 * - the string is lower-cased and split into items at `.`, `-` and digit/letter transitions;
 *   `-` (and a digit/letter transition) opens a nested list, so `1-1` is `[1, [1]]`;
 * - numbers compare by value; qualifiers by rank
 *   `alpha < beta < milestone < rc = cr < snapshot < "" = ga = final = release < sp`, unknown
 *   qualifiers after `sp` in lexical order; `a1`/`b1`/`m1` mean alpha-1/beta-1/milestone-1;
 * - a qualifier directly followed by digits (`rc1`, `beta-2`) is a combination item;
 * - trailing "null" items (0, "", ga/final/release) are dropped when normalising each list.
 * Any non-empty string parses; only empty, over-long or control-character input is rejected.
 */
import { basicProblem, ParseCache } from "./cache.js";
import { InvalidVersionError, type VersionScheme } from "./types.js";

enum K {
  BigInteger = 0,
  String = 1,
  List = 2,
  Int = 3,
  Long = 4,
  Combination = 5,
}

interface NumItem {
  readonly k: K.Int | K.Long | K.BigInteger;
  /** digits without leading zeros ("0" for zero) */
  readonly digits: string;
}
interface StrItem {
  readonly k: K.String;
  readonly value: string;
  /** comparableQualifier(value), precomputed */
  readonly rank: string;
}
interface ComboItem {
  readonly k: K.Combination;
  readonly str: StrItem;
  readonly num: NumItem;
}
interface ListItem {
  readonly k: K.List;
  readonly items: Item[];
}
type Item = NumItem | StrItem | ComboItem | ListItem;

const QUALIFIERS = ["alpha", "beta", "milestone", "rc", "snapshot", "", "sp"];
const RELEASE_QUALIFIERS = new Set(["ga", "final", "release"]);
const RELEASE_INDEX = String(QUALIFIERS.indexOf(""));

function comparableQualifier(q: string): string {
  if (RELEASE_QUALIFIERS.has(q)) return RELEASE_INDEX;
  const i = QUALIFIERS.indexOf(q);
  return i === -1 ? `${QUALIFIERS.length}-${q}` : String(i);
}

/**
 * "3.9": Maven 3.9.x (maven-artifact 3.9.16), what OSV/osv-scalibr and GHSA follow.
 * "4": Maven 4 (master; adds combination items `rc1`, `X-1` = `X1`, MNG-7714).
 */
export type MavenFlavor = "3.9" | "4";

function strItem(value: string, followedByDigit: boolean, flavor: MavenFlavor): StrItem {
  let v = value;
  if (followedByDigit && v.length === 1) {
    if (v === "a") v = "alpha";
    else if (v === "b") v = "beta";
    else if (v === "m") v = "milestone";
  }
  if (v === "cr") v = "rc";
  else if (flavor === "3.9" && RELEASE_QUALIFIERS.has(v)) v = "";
  return { k: K.String, value: v, rank: comparableQualifier(v) };
}

function numItem(buf: string): NumItem {
  // Maven's stripLeadingZeroes leaves an all-zero string untouched; its length picks the item kind.
  let stripped = buf === "" ? "0" : buf.replace(/^0+/, "");
  if (stripped === "") stripped = buf;
  const k = stripped.length <= 9 ? K.Int : stripped.length <= 18 ? K.Long : K.BigInteger;
  return { k, digits: buf.replace(/^0+(?=\d)/, "") || "0" };
}

const UNICODE_DIGIT = /^\p{Nd}$/u;

function comboItem(raw: string): ComboItem {
  const value = raw.replace(/-/g, "");
  let index = 0;
  for (let i = 0; i < value.length; i++) {
    if (UNICODE_DIGIT.test(value[i]!)) {
      index = i;
      break;
    }
  }
  return {
    k: K.Combination,
    str: strItem(value.slice(0, index), true, "4"),
    num: numItem(value.slice(index)),
  };
}

function parseItem(isCombination: boolean, isDigit: boolean, buf: string, flavor: MavenFlavor): Item {
  if (isCombination) return comboItem(buf);
  if (isDigit) return numItem(buf);
  return strItem(buf, false, flavor);
}

const ZERO: NumItem = { k: K.Int, digits: "0" };

function isNull(item: Item): boolean {
  switch (item.k) {
    case K.Int:
    case K.Long:
    case K.BigInteger:
      return item.digits === "0";
    case K.String:
      return item.value === "";
    case K.Combination:
      return false;
    case K.List:
      return item.items.length === 0;
  }
}

function normalize39(list: ListItem): void {
  const items = list.items;
  for (let i = items.length - 1; i >= 0; i--) {
    const last = items[i]!;
    if (isNull(last)) items.splice(i, 1);
    else if (last.k !== K.List) break;
  }
}

/** Maven 3.9 parseVersion. */
function parseMaven39(input: string): ListItem {
  const version = input.toLowerCase();
  const root: ListItem = { k: K.List, items: [] };
  let list = root;
  const stack: ListItem[] = [root];
  let isDigit = false;
  let start = 0;
  const open = (): void => {
    const next: ListItem = { k: K.List, items: [] };
    list.items.push(next);
    list = next;
    stack.push(next);
  };
  for (let i = 0; i < version.length; i++) {
    const c = version.charCodeAt(i);
    if (c === 46 /* . */) {
      list.items.push(i === start ? ZERO : parseItem(false, isDigit, version.slice(start, i), "3.9"));
      start = i + 1;
    } else if (c === 45 /* - */) {
      list.items.push(i === start ? ZERO : parseItem(false, isDigit, version.slice(start, i), "3.9"));
      start = i + 1;
      open();
    } else if (c >= 48 && c <= 57) {
      if (!isDigit && i > start) {
        // 1.0.0.X1 < 1.0.0-X2: treat .X as -X for any string qualifier X
        if (list.items.length > 0) open();
        list.items.push(strItem(version.slice(start, i), true, "3.9"));
        start = i;
        open();
      }
      isDigit = true;
    } else {
      if (isDigit && i > start) {
        list.items.push(numItem(version.slice(start, i)));
        start = i;
        open();
      }
      isDigit = false;
    }
  }
  if (version.length > start) {
    if (!isDigit && list.items.length > 0) open();
    list.items.push(parseItem(false, isDigit, version.slice(start), "3.9"));
  }
  while (stack.length > 0) normalize39(stack.pop()!);
  return root;
}

function normalize(list: ListItem): void {
  const items = list.items;
  for (let i = items.length - 1; i >= 0; i--) {
    const last = items[i]!;
    if (!isNull(last)) continue;
    const next = items[i + 1];
    if (i === items.length - 1 || next!.k === K.String) items.splice(i, 1);
    else if (next!.k === K.List) {
      const first = next!.items[0]!;
      if (first.k === K.Combination || first.k === K.String) items.splice(i, 1);
    }
  }
}

/** Maven 4 parseVersion. */
function parseMaven4(input: string): ListItem {
  const version = input.toLowerCase();
  const root: ListItem = { k: K.List, items: [] };
  let list = root;
  const stack: ListItem[] = [root];
  let isDigit = false;
  let isCombination = false;
  let start = 0;
  const open = (): void => {
    const next: ListItem = { k: K.List, items: [] };
    list.items.push(next);
    list = next;
    stack.push(next);
  };
  for (let i = 0; i < version.length; i++) {
    let c = version.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < version.length) {
      c = version.codePointAt(i)!;
      i++;
    }
    if (c === 46 /* . */) {
      if (i === start) list.items.push(ZERO);
      else list.items.push(parseItem(isCombination, isDigit, version.slice(start, i), "4"));
      isCombination = false;
      start = i + 1;
    } else if (c === 45 /* - */) {
      if (i === start) list.items.push(ZERO);
      else {
        if (!isDigit && i !== version.length - 1) {
          const c1 = version[i + 1]!;
          if (UNICODE_DIGIT.test(c1)) {
            isCombination = true;
            continue;
          }
        }
        list.items.push(parseItem(isCombination, isDigit, version.slice(start, i), "4"));
      }
      start = i + 1;
      if (list.items.length > 0) open();
      isCombination = false;
    } else if (c >= 48 && c <= 57) {
      if (!isDigit && i > start) {
        isCombination = true;
        if (list.items.length > 0) open();
      }
      isDigit = true;
    } else {
      if (isDigit && i > start) {
        list.items.push(parseItem(isCombination, true, version.slice(start, i), "4"));
        start = i;
        open();
        isCombination = false;
      }
      isDigit = false;
    }
  }
  if (version.length > start) {
    if (!isDigit && list.items.length > 0) open();
    list.items.push(parseItem(isCombination, isDigit, version.slice(start), "4"));
  }
  while (stack.length > 0) normalize(stack.pop()!);
  return root;
}

function javaCompare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function compareNum(a: NumItem, b: NumItem): number {
  if (a.k !== b.k) {
    const order = (k: K): number => (k === K.Int ? 0 : k === K.Long ? 1 : 2);
    return order(a.k) < order(b.k) ? -1 : 1;
  }
  if (a.digits.length !== b.digits.length) return a.digits.length < b.digits.length ? -1 : 1;
  return javaCompare(a.digits, b.digits);
}

/** Item.compareTo(other) with Java's null for "missing". */
function compareItem(a: Item, b: Item | undefined): number {
  switch (a.k) {
    case K.Int:
    case K.Long:
    case K.BigInteger:
      if (b === undefined) return a.digits === "0" ? 0 : 1;
      switch (b.k) {
        case K.Int:
        case K.Long:
        case K.BigInteger:
          return compareNum(a, b);
        default:
          return 1; // string, combination, list
      }
    case K.String:
      if (b === undefined) return javaCompare(a.rank, RELEASE_INDEX);
      switch (b.k) {
        case K.String:
          return javaCompare(a.rank, b.rank);
        case K.Combination: {
          const r = compareItem(a, b.str);
          return r === 0 ? -1 : r;
        }
        default:
          return -1; // numbers, list
      }
    case K.Combination:
      if (b === undefined) return compareItem(a.str, undefined);
      switch (b.k) {
        case K.String: {
          const r = compareItem(a.str, b);
          return r === 0 ? 1 : r;
        }
        case K.Combination: {
          const r = compareItem(a.str, b.str);
          return r === 0 ? compareItem(a.num, b.num) : r;
        }
        default:
          return -1; // numbers, list
      }
    case K.List:
      if (b === undefined) {
        for (const it of a.items) {
          const r = compareItem(it, undefined);
          if (r !== 0) return r;
        }
        return 0;
      }
      switch (b.k) {
        case K.String:
        case K.Combination:
          return 1;
        case K.List: {
          const n = Math.max(a.items.length, b.items.length);
          for (let i = 0; i < n; i++) {
            const l = a.items[i];
            const r = b.items[i];
            const res =
              l === undefined ? (r === undefined ? 0 : -compareItem(r, undefined)) : compareItem(l, r);
            if (res !== 0) return res;
          }
          return 0;
        }
        default:
          return -1; // numbers
      }
  }
}

const caches: Record<MavenFlavor, ParseCache<ListItem>> = { "3.9": new ParseCache(), "4": new ParseCache() };

export function parseMaven(version: string, flavor: MavenFlavor = "3.9"): ListItem {
  const cache = caches[flavor];
  const hit = cache.get(version);
  if (hit) return hit;
  const problem = basicProblem(version);
  if (problem) throw new InvalidVersionError("maven", version, problem);
  if (version.trim() === "") throw new InvalidVersionError("maven", version, "empty version");
  if (/\s/.test(version)) throw new InvalidVersionError("maven", version, "contains whitespace");
  const parsed = flavor === "3.9" ? parseMaven39(version) : parseMaven4(version);
  cache.set(version, parsed);
  return parsed;
}

/** ComparableVersion.compareTo, -1/0/1. */
export function compareMaven(a: string, b: string, flavor: MavenFlavor = "3.9"): number {
  const r = compareItem(parseMaven(a, flavor), parseMaven(b, flavor));
  return r < 0 ? -1 : r > 0 ? 1 : 0;
}

/** Maven's canonical form (ComparableVersion.getCanonical), handy for debugging and tests. */
export function mavenCanonical(version: string, flavor: MavenFlavor = "3.9"): string {
  const show = (item: Item): string => {
    switch (item.k) {
      case K.String:
        return item.value;
      case K.Combination:
        return item.str.value + item.num.digits;
      case K.List:
        return item.items.map((it, i) => (i === 0 ? "" : it.k === K.List ? "-" : ".") + show(it)).join("");
      default:
        return item.digits;
    }
  };
  return show(parseMaven(version, flavor));
}

export const maven: VersionScheme = {
  name: "maven",
  parse: (version: string) => parseMaven(version),
  isValid(version: string): boolean {
    try {
      parseMaven(version);
      return true;
    } catch {
      return false;
    }
  },
  compare: (a: string, b: string) => compareMaven(a, b),
};
