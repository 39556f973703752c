/**
 * A seeded pseudo-random source for tests that draw their cases (damage to a file, strings to compare):
 * the same cases on every run, so that a failure can be reproduced. Returns an integer in [0, n).
 * A 32-bit linear congruential generator (the C library's constants), its product taken with
 * `Math.imul` so that it stays exact; the high bits pick the value.
 */
export function seededRandom(seed: number): (n: number) => number {
  let s = seed >>> 0;
  return (n: number) => {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    return Math.floor((s / 2 ** 32) * n);
  };
}
