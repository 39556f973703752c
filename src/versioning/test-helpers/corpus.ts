/** Test-only helpers: read the shared version-vector corpus in place (never copied). */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

export const CORPUS_VERSIONS = fileURLToPath(new URL("../../../../shared/corpus/versions/", import.meta.url));

export interface VectorRow {
  readonly file: string;
  readonly line: number;
  readonly left: string;
  readonly op: "<" | "=" | ">";
  readonly right: string;
  readonly options: string;
}

/** Raw lines of a corpus file (without the trailing newline split artefact). */
export function corpusLines(rel: string): string[] {
  const text = readFileSync(CORPUS_VERSIONS + rel, "utf8");
  const lines = text.split("\n");
  if (lines[lines.length - 1] === "") lines.pop();
  return lines;
}

/** Rows of a `left<TAB>op<TAB>right[<TAB>options]` file; every line must be such a row. */
export function vectorRows(rel: string): VectorRow[] {
  return corpusLines(rel).map((raw, i) => {
    const cols = raw.split("\t");
    const op = cols[1];
    if (cols.length < 3 || (op !== "<" && op !== "=" && op !== ">")) {
      throw new Error(`${rel}:${i + 1}: not a vector row: ${JSON.stringify(raw)}`);
    }
    return { file: rel, line: i + 1, left: cols[0]!, op, right: cols[2]!, options: cols[3] ?? "" };
  });
}

export function opOf(n: number): "<" | "=" | ">" {
  return n < 0 ? "<" : n > 0 ? ">" : "=";
}

/** Key used by explicit exclusion lists: `file:line`. */
export function rowKey(r: VectorRow): string {
  return `${r.file}:${r.line}`;
}

/**
 * Run every row; returns mismatches as readable strings. `expectInvalid` rows must throw instead.
 */
export function mismatches(
  rows: readonly VectorRow[],
  compare: (a: string, b: string) => number,
  expectInvalid: ReadonlySet<string> = new Set(),
): string[] {
  const bad: string[] = [];
  for (const r of rows) {
    const key = rowKey(r);
    let got: string;
    try {
      got = opOf(compare(r.left, r.right));
    } catch (e) {
      got = `threw ${(e as Error).message}`;
      if (expectInvalid.has(key)) continue;
    }
    if (expectInvalid.has(key))
      bad.push(`${key}: ${r.left} ${r.op} ${r.right}: expected to throw, got ${got}`);
    else if (got !== r.op) bad.push(`${key}: ${r.left} ${r.op} ${r.right}: got ${got}`);
  }
  return bad;
}
