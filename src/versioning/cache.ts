/**
 * A small bounded cache for parsed versions. compare() is hot during matching (the same installed
 * version is compared against many advisory bounds), so each scheme memoises its parse results.
 * Two generations: when the young map reaches `capacity` it becomes the old one and the previous old
 * one is dropped; a hit in the old map is promoted. O(1) per operation, at most 2 × capacity entries.
 * (Evicting single entries from a Map's front is O(deleted entries) in V8, hence generations.)
 */
export class ParseCache<V> {
  private young = new Map<string, V>();
  private old = new Map<string, V>();
  constructor(private readonly capacity = 20_000) {}

  get(key: string): V | undefined {
    const hit = this.young.get(key);
    if (hit !== undefined) return hit;
    const aged = this.old.get(key);
    if (aged !== undefined) this.set(key, aged);
    return aged;
  }

  set(key: string, value: V): void {
    if (this.young.size >= this.capacity) {
      this.old = this.young;
      this.young = new Map();
    }
    this.young.set(key, value);
  }

  get size(): number {
    return this.young.size + this.old.size;
  }

  clear(): void {
    this.young.clear();
    this.old.clear();
  }
}

/** Longest version string any scheme accepts; longer input is rejected as hostile. */
export const MAX_VERSION_LENGTH = 1024;

const CONTROL = /[\u0000-\u001f\u007f]/;

/** Shared sanity checks; returns a reason string when the input can never be a version. */
export function basicProblem(version: unknown): string | undefined {
  if (typeof version !== "string") return "not a string";
  if (version.length > MAX_VERSION_LENGTH) return `longer than ${MAX_VERSION_LENGTH} characters`;
  if (CONTROL.test(version)) return "contains control characters";
  return undefined;
}

export function sign(n: number): -1 | 0 | 1 {
  return n < 0 ? -1 : n > 0 ? 1 : 0;
}
