/**
 * Blob codec. One tag byte, then the payload:
 *  0 = UTF-8 JSON; 1 = raw deflate; 2 = brotli (index chunks); 3 = raw deflate with the preset dictionary below
 *  (small per-package index blobs, whose JSON is mostly the same few keys); 4 = a record block (brotli of a
 *  header line {"i": ids, "n": byte lengths} and then each record's JSON, so that a reader parses
 *  only the records it needs).
 * Changing DICTIONARY changes the format: bump SCHEMA_VERSION.
 */
import {
  brotliCompressSync,
  brotliDecompressSync,
  constants,
  deflateRawSync,
  inflateRawSync,
} from "node:zlib";

const RAW = 0;
const DEFLATE = 1;
const BROTLI = 2;
const DICT = 3;
const RECORDS = 4;
/**
 * Brotli quality for blocks and chunks. Measured on the corpus's record blocks: quality 10 is 11 % smaller
 * than 9 and builds faster (4.2 s against 11.7 s); 11 is 2 % smaller again and three times slower.
 */
const BROTLI_QUALITY = 10;

const DICTIONARY = Buffer.from(
  [
    '"note":"release ',
    '"will_not_fix"',
    '"fix_deferred"',
    '"end_of_life"',
    '"under_investigation"',
    '"last_affected":"',
    '"limit":"',
    '"type":"GIT","events":[',
    '"type":"SEMVER","events":[{"introduced":"0"},{"fixed":"',
    '"versions":["',
    '"rating":"negligible"',
    '"ratingText":"unimportant"',
    '"rating":"unknown"',
    '"ratingText":"not yet assigned"',
    '"rating":"low","ratingText":"low**"',
    '"rating":"medium","ratingText":"medium**"',
    '"rating":"high","ratingText":"high**"',
    '"severity":{"source":"debian","ratingText":"',
    '"not_affected","ranges":[]',
    '"status":"affected","ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"}]}]',
    '"osv","GHSA-',
    '"debian",["CVE-20',
    '["DSA-',
    '["DLA-',
    '["GO-20',
    '["GHSA-',
    '["PYSEC-20',
    '["RUSTSEC-20',
    '["DEBIAN-CVE-20',
    '["ALPINE-CVE-20',
    '"nvd"',
    '"alpine"',
    '["CVE-20',
    '","CVE-20',
    '{"status":"fixed","ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"},{"fixed":"',
    '"}]}],"fixedVersions":["',
  ].join(""),
  "utf8",
);

export function encodeJson(value: unknown, minCompress = 96): Buffer {
  const json = Buffer.from(JSON.stringify(value), "utf8");
  if (json.length < minCompress) return Buffer.concat([Buffer.of(RAW), json]);
  const z = deflateRawSync(json, { level: 9, memLevel: 9 });
  return z.length < json.length
    ? Buffer.concat([Buffer.of(DEFLATE), z])
    : Buffer.concat([Buffer.of(RAW), json]);
}

/** Small index blobs: raw deflate primed with the preset dictionary. */
export function encodeSmall(value: unknown): Buffer {
  const json = Buffer.from(JSON.stringify(value), "utf8");
  const z = deflateRawSync(json, { level: 9, memLevel: 9, dictionary: DICTIONARY });
  return z.length < json.length ? Buffer.concat([Buffer.of(DICT), z]) : Buffer.concat([Buffer.of(RAW), json]);
}

/** `tag` then the brotli form of `body` (quality BROTLI_QUALITY, 4 MiB window). */
function brotliTagged(tag: number, body: Buffer): Buffer {
  const z = brotliCompressSync(body, {
    params: {
      [constants.BROTLI_PARAM_QUALITY]: BROTLI_QUALITY,
      [constants.BROTLI_PARAM_LGWIN]: 22,
      [constants.BROTLI_PARAM_SIZE_HINT]: body.length,
    },
  });
  return Buffer.concat([Buffer.of(tag), z]);
}

/** Large chunks (many keys): brotli. */
export function encodeBlock(value: unknown): Buffer {
  return brotliTagged(BROTLI, Buffer.from(JSON.stringify(value), "utf8"));
}

/** A block of records keyed by id: each record's JSON kept apart (see decodeRecordBlock). */
export function encodeRecordBlock(ids: readonly string[], records: readonly unknown[]): Buffer {
  const parts = records.map((r) => Buffer.from(JSON.stringify(r), "utf8"));
  const head = Buffer.from(`${JSON.stringify({ i: ids, n: parts.map((p) => p.length) })}\n`, "utf8");
  return brotliTagged(RECORDS, Buffer.concat([head, ...parts]));
}

export interface RecordBlock<T> {
  ids: string[];
  /** The record at `slot`, parsed on first use (then kept). */
  record(slot: number): T | undefined;
}

/** Decodes a record block: ids now, each record's JSON only when it is asked for. */
export function decodeRecordBlock<T>(blob: Buffer | Uint8Array): RecordBlock<T> {
  const b = Buffer.isBuffer(blob) ? blob : Buffer.from(blob);
  if (b[0] !== RECORDS) throw new Error(`not a record block (encoding ${b[0]})`);
  const body = brotliDecompressSync(b.subarray(1));
  const nl = body.indexOf(10);
  if (nl < 0) throw new Error("record block without a header");
  const head = JSON.parse(body.toString("utf8", 0, nl)) as { i: unknown; n: unknown };
  const ids = head.i;
  const lengths = head.n;
  if (
    !Array.isArray(ids) ||
    !ids.every((x) => typeof x === "string") ||
    !Array.isArray(lengths) ||
    lengths.length !== ids.length ||
    !lengths.every((x) => Number.isSafeInteger(x) && x >= 0)
  )
    throw new Error("record block with a malformed header");
  // byte offsets of each record's JSON, from the lengths
  const o = [0];
  for (const n of lengths as number[]) o.push(o[o.length - 1]! + n);
  if (nl + 1 + o[o.length - 1]! > body.length) throw new Error("record block shorter than its header says");
  const start = nl + 1;
  const parsed: (T | undefined)[] = new Array(ids.length);
  return {
    ids: ids as string[],
    record(slot) {
      if (slot < 0 || slot >= ids.length) return undefined;
      let r = parsed[slot];
      if (r === undefined) {
        r = JSON.parse(body.toString("utf8", start + o[slot]!, start + o[slot + 1]!)) as T;
        parsed[slot] = r;
      }
      return r;
    },
  };
}

export function decodeJson<T>(blob: Buffer | Uint8Array): T {
  const b = Buffer.isBuffer(blob) ? blob : Buffer.from(blob);
  const body = b.subarray(1);
  switch (b[0]) {
    case RAW:
      return JSON.parse(body.toString("utf8")) as T;
    case DEFLATE:
      return JSON.parse(inflateRawSync(body).toString("utf8")) as T;
    case BROTLI:
      return JSON.parse(brotliDecompressSync(body).toString("utf8")) as T;
    case DICT:
      return JSON.parse(inflateRawSync(body, { dictionary: DICTIONARY }).toString("utf8")) as T;
    default:
      throw new Error(`unknown blob encoding ${b[0]}`);
  }
}

/** JSON with object keys sorted: the canonical form hashed for content hashes. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== "object") return JSON.stringify(value) ?? "null";
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  const o = value as Record<string, unknown>;
  return `{${Object.keys(o)
    .filter((k) => o[k] !== undefined)
    .sort()
    .map((k) => `${JSON.stringify(k)}:${canonicalJson(o[k])}`)
    .join(",")}}`;
}

/** CVE-YYYY-NNNN… as an integer key (compact index); undefined for other ids. */
export function cveKey(id: string): number | undefined {
  const m = /^CVE-(\d{4})-(\d{4,9})$/.exec(id);
  return m ? Number(m[1]) * 1e9 + Number(m[2]) : undefined;
}

/** SQLite's BINARY collation order (UTF-8 bytes) for strings, which JS `<` (UTF-16 units) can differ from. */
export function compareUtf8(a: string, b: string): number {
  if (a === b) return 0;
  // ASCII fast path: UTF-16 and UTF-8 orders agree.
  if (/^[\x00-\x7f]*$/.test(a) && /^[\x00-\x7f]*$/.test(b)) return a < b ? -1 : 1;
  return Buffer.compare(Buffer.from(a, "utf8"), Buffer.from(b, "utf8"));
}
