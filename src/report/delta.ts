/** Delta cells (`   -9    -13     -3     +6`) under count cells, zero deltas blank, as Scout prints them. */
import type { SeverityCounts } from "./model.js";

export function deltaCells(d: SeverityCounts, withUnspecified: boolean): string {
  const keys = [
    "critical",
    "high",
    "medium",
    "low",
    ...(withUnspecified ? (["unspecified"] as const) : []),
  ] as const;
  return keys
    .map((k) => {
      const v = d[k];
      return (v === 0 ? "" : v > 0 ? `+${v}` : `${v}`).padStart(5);
    })
    .join("  ");
}
