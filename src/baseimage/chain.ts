import { createHash } from "node:crypto";

/**
 * OCI ChainIDs: ChainID(L0) = DiffID(L0); ChainID(L0|…|Ln) = sha256(ChainID(L0|…|Ln-1) + " " + DiffID(Ln)).
 * An image B is a base of image A exactly when B's top ChainID equals one of A's prefix ChainIDs.
 */
export function chainIds(diffIds: readonly string[]): string[] {
  const out: string[] = [];
  let prev: string | undefined;
  for (const d of diffIds) {
    prev = prev === undefined ? d : `sha256:${createHash("sha256").update(`${prev} ${d}`).digest("hex")}`;
    out.push(prev);
  }
  return out;
}
