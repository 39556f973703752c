import { createRequire } from "node:module";

const require = createRequire(import.meta.url);

/**
 * A module loaded on first use, synchronously (CommonJS builds of our dependencies). Keeps rarely needed
 * parsers (YAML, TOML) off the start-up path of commands that never read such files.
 */
export function lazyModule<T>(id: string): () => T {
  let mod: T | undefined;
  return () => {
    mod ??= require(id) as T;
    return mod;
  };
}
