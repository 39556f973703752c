/**
 * Pieces shared by the SemVer 2.0 and NuGet schemes: numbers kept as digit strings (no size limit) and
 * dot-separated pre-release identifiers.
 */

const NUMERIC = /^\d+$/;

/** A digit string without leading zeros ("007" → "7", "0" stays). */
export function stripZeros(d: string): string {
  return d.replace(/^0+(?=\d)/, "");
}

/** Compare two digit strings without leading zeros, by value (any length). */
export function compareDigits(a: string, b: string): number {
  if (a.length !== b.length) return a.length < b.length ? -1 : 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Compare dot-separated identifiers: numeric ones by value and before alphanumeric ones, which compare
 * by ASCII (upper-cased first when `ignoreCase`, as NuGet does); a shorter list that is a prefix of the
 * other sorts first.
 */
export function compareIdentifiers(a: readonly string[], b: readonly string[], ignoreCase = false): number {
  const m = Math.min(a.length, b.length);
  for (let i = 0; i < m; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (x === y) continue;
    const xn = NUMERIC.test(x);
    const yn = NUMERIC.test(y);
    let c: number;
    if (xn && yn) c = compareDigits(stripZeros(x), stripZeros(y));
    else if (xn !== yn) c = xn ? -1 : 1;
    else {
      const xs = ignoreCase ? x.toUpperCase() : x;
      const ys = ignoreCase ? y.toUpperCase() : y;
      c = xs < ys ? -1 : xs > ys ? 1 : 0;
    }
    if (c) return c;
  }
  return a.length === b.length ? 0 : a.length < b.length ? -1 : 1;
}
