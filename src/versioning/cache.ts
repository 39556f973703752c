/**
 * A small bounded cache for parsed versions. compare() is hot during matching (the same installed
 * version is compared against many advisory bounds), so each scheme memoises its parse results.
 * Eviction is FIFO by insertion order once `capacity` is reached: cheap, and bounded in memory.
 */
export class ParseCache<V> {
  private readonly map = new Map<string, V>();
  constructor(private readonly capacity = 20_000) {}

  get(key: string): V | undefined {
    return this.map.get(key);
  }

  set(key: string, value: V): void {
    if (this.map.size >= this.capacity) {
      const oldest = this.map.keys().next();
      if (!oldest.done) this.map.delete(oldest.value);
    }
    this.map.set(key, value);
  }

  get size(): number {
    return this.map.size;
  }

  clear(): void {
    this.map.clear();
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
