/**
 * Typed errors. Every failure a user can cause (bad input, bad reference, network, limits)
 * is a VigilError with a stable code; the CLI maps codes to exit codes (see docs/exit-codes.md)
 * and prints the message on one line, never a stack trace.
 */
export type ErrorCode =
  | "USAGE" // bad flags / arguments
  | "REFERENCE" // unparseable or unsupported image reference
  | "NOT_FOUND" // image, file, tag or blob not found
  | "IMAGE_FORMAT" // malformed manifest/config/index/layout/archive
  | "DIGEST_MISMATCH" // a blob or manifest does not match its digest
  | "LIMIT" // a configured limit was exceeded (size, ratio, entries)
  | "UNSAFE_PATH" // path traversal, links escaping the root
  | "CORRUPT" // truncated/corrupt tar, gzip, zstd, zip
  | "PACKAGE_DB" // a package database that cannot be read at all
  | "REGISTRY" // registry protocol error
  | "AUTH" // authentication failed
  | "NETWORK" // connection, timeout
  | "DAEMON" // docker daemon not reachable / error
  | "ADVISORY_DB" // advisory snapshot missing, corrupt or stale
  | "FEED" // an advisory feed failed
  | "VEX" // unreadable VEX document
  | "INTERNAL";

export const EXIT_CODES: Record<ErrorCode, number> = {
  USAGE: 64,
  REFERENCE: 65,
  NOT_FOUND: 66,
  IMAGE_FORMAT: 67,
  DIGEST_MISMATCH: 68,
  LIMIT: 69,
  UNSAFE_PATH: 70,
  CORRUPT: 71,
  PACKAGE_DB: 72,
  REGISTRY: 73,
  AUTH: 74,
  NETWORK: 75,
  DAEMON: 76,
  ADVISORY_DB: 77,
  FEED: 78,
  VEX: 79,
  INTERNAL: 1,
};

/** Exit code used by `cves --exit-code` / `compare --exit-on` when vulnerabilities remain (as Docker Scout). */
export const EXIT_VULNERABILITIES_FOUND = 2;

export class VigilError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "VigilError";
    this.code = code;
  }
  get exitCode(): number {
    return EXIT_CODES[this.code];
  }
}

export function isVigilError(e: unknown): e is VigilError {
  return e instanceof VigilError;
}
