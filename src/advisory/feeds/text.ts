/** Bounds for strings that come from feeds: stored as data, never interpreted, never unbounded. */
export const MAX_TEXT = 64 * 1024;
export const MAX_SHORT = 1024;
export const MAX_LIST = 10_000;

/** Strips NUL, truncates to `max` UTF-16 units (marking the cut). Non-strings become undefined. */
export function cleanText(value: unknown, max = MAX_TEXT): string | undefined {
  if (typeof value !== "string") return undefined;
  let s = value.includes("\u0000") ? value.replace(/\u0000/g, "") : value;
  if (s.length > max) s = `${s.slice(0, max)}…[truncated]`;
  return s;
}

/** A short identifier-like string (ids, names, versions): NUL-free, bounded, trimmed; undefined if empty. */
export function cleanId(value: unknown, max = MAX_SHORT): string | undefined {
  const s = cleanText(value, max)?.trim();
  return s ? s : undefined;
}

/** A list of short strings, de-duplicated, order kept, bounded. */
export function cleanList(values: unknown, max = MAX_LIST): string[] {
  if (!Array.isArray(values)) return [];
  const out = new Set<string>();
  for (const v of values) {
    const s = cleanId(v);
    if (s) out.add(s);
    if (out.size >= max) break;
  }
  return [...out];
}

export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Normalises a date-ish string to ISO 8601 when parseable; otherwise the cleaned text. */
export function isoDate(value: unknown): string | undefined {
  const s = cleanId(value, 64);
  if (!s) return undefined;
  const hasZone = /[zZ]|[+-]\d\d:?\d\d$/.test(s);
  const t = Date.parse(hasZone || !/T/.test(s) ? s : `${s}Z`);
  return Number.isNaN(t) ? s : new Date(t).toISOString();
}

/**
 * A feed file's JSON document, or undefined after `skip` names the problem (invalid JSON, or not an
 * object when `expect` says what object was expected).
 */
export function jsonDocument(
  data: Buffer,
  name: string,
  skip: (name: string, reason: string) => void,
  expect?: string,
): unknown {
  let doc: unknown;
  try {
    doc = JSON.parse(data.toString("utf8"));
  } catch (e) {
    skip(name, `invalid JSON (${(e as Error).message.slice(0, 100)})`);
    return undefined;
  }
  if (expect && !isObject(doc)) {
    skip(name, `not ${expect}`);
    return undefined;
  }
  return doc;
}
