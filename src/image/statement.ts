import type { Logger } from "../core/logger.js";
import type { AttestationStatement } from "./types.js";

/**
 * One in-toto statement from an attestation layer blob: its predicate type from the layer's
 * `in-toto.io/predicate-type` annotation, else from the statement. Invalid JSON is a warning.
 */
export function statementFromBlob(
  body: Buffer,
  annotations: Record<string, string> | undefined,
  what: string,
  logger: Logger,
): AttestationStatement | undefined {
  let statement: unknown;
  try {
    statement = JSON.parse(body.toString("utf8"));
  } catch {
    logger.warn(`${what} is not valid JSON; skipped`);
    return undefined;
  }
  const st = statement as { predicateType?: unknown } | null;
  const predicateType =
    annotations?.["in-toto.io/predicate-type"] ??
    (typeof st?.predicateType === "string" ? st.predicateType : "");
  return { predicateType, statement };
}
