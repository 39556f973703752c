/**
 * rpm's SQLite database (rpmdb.sqlite): table Packages(hnum INTEGER PRIMARY KEY, blob BLOB).
 * Opened read-only with better-sqlite3 (loaded lazily: a native module). Without a write-ahead log
 * the captured bytes are opened in memory (the WAL flag in the file header is cleared while SQLite copies them);
 * with a non-empty -wal file both are written to a private temp directory, opened there and removed.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

const SQLITE_MAGIC = Buffer.from("SQLite format 3\0", "latin1");

export class SqliteFormatError extends Error {}

export function isSqlite(buf: Buffer): boolean {
  return buf.length >= 100 && buf.subarray(0, 16).equals(SQLITE_MAGIC);
}

type Db = import("better-sqlite3").Database;

export async function readRpmSqlite(db: Buffer, wal?: Buffer): Promise<SqliteRow[]> {
  if (!isSqlite(db)) throw new SqliteFormatError("not an SQLite database (bad header)");
  const { default: Database } = await import("better-sqlite3");
  if (!wal || wal.length === 0) {
    // Bytes 18/19 = 2 mean WAL mode, which an in-memory (deserialized) database cannot open. They are
    // reset for the synchronous constructor (which copies the bytes into SQLite) and restored right
    // after, so the caller's buffer is unchanged and no extra copy of a large database is made.
    const w = db[18]!;
    const r = db[19]!;
    let conn: Db | undefined;
    try {
      if (w === 2) db[18] = 1;
      if (r === 2) db[19] = 1;
      try {
        conn = new Database(db, { readonly: true });
      } finally {
        db[18] = w;
        db[19] = r;
      }
      return query(conn);
    } catch (e) {
      throw new SqliteFormatError(describe(e));
    } finally {
      conn?.close();
    }
  }
  const dir = await mkdtemp(join(tmpdir(), "vigil-rpmdb-"));
  let conn: Db | undefined;
  try {
    await writeFile(join(dir, "rpmdb.sqlite"), db);
    await writeFile(join(dir, "rpmdb.sqlite-wal"), wal);
    try {
      conn = new Database(join(dir, "rpmdb.sqlite"), { readonly: true, fileMustExist: true });
      return query(conn);
    } catch (e) {
      throw new SqliteFormatError(describe(e));
    }
  } finally {
    conn?.close();
    await rm(dir, { recursive: true, force: true });
  }
}

/** One Packages row; `blob` is undefined when the column does not hold a blob. */
export interface SqliteRow {
  hnum: number;
  blob: Buffer | undefined;
}

function query(conn: Db): SqliteRow[] {
  const table = conn
    .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'Packages'")
    .get();
  if (!table) throw new SqliteFormatError("no Packages table");
  const rows = conn.prepare("SELECT hnum, blob FROM Packages ORDER BY hnum").all() as {
    hnum: number;
    blob: unknown;
  }[];
  return rows.map((r) => ({ hnum: r.hnum, blob: Buffer.isBuffer(r.blob) ? r.blob : undefined }));
}

function describe(e: unknown): string {
  if (e instanceof SqliteFormatError) return e.message;
  return e instanceof Error ? e.message : String(e);
}
