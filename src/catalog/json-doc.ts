/**
 * The JSON document of a lockfile or manifest read by a cataloger (package-lock.json, composer.lock,
 * installed.json, deps.json, packages.lock.json, package.json): the parsed value, or the one-line reason
 * it cannot be used, which the cataloger reports as a warning naming the file. A leading UTF-8 BOM (which
 * Windows tools write) is ignored.
 */
export type JsonDoc<T> = { ok: true; doc: T } | { ok: false; problem: string };

/** Any JSON value. */
export function readJson(text: string): JsonDoc<unknown> {
  try {
    return { ok: true, doc: JSON.parse(text.replace(/^\uFEFF/, "")) };
  } catch (e) {
    return { ok: false, problem: `not valid JSON (${(e as Error).message.slice(0, 120)})` };
  }
}

/** A JSON object (not an array, not null). */
export function readJsonObject(text: string): JsonDoc<Record<string, unknown>> {
  const r = readJson(text);
  if (!r.ok) return r;
  if (!r.doc || typeof r.doc !== "object" || Array.isArray(r.doc))
    return { ok: false, problem: "not a JSON object" };
  return { ok: true, doc: r.doc as Record<string, unknown> };
}
