import { createRequire } from "node:module";

const require = createRequire(import.meta.url);

/**
 * Dependencies bundled into the CLI's single file (scripts/bundle.mjs): their loaders, registered by the
 * bundle's entry before anything else runs. Without a bundle (tests, `dist/` as a library) the map is
 * empty and dependencies load from node_modules.
 */
const bundled = new Map<string, () => unknown>();

/** Register bundled copies of dependencies (the bundle's entry, scripts/bundle-entry.cjs, calls this). */
export function provideModules(loaders: Record<string, () => unknown>): void {
  for (const [id, load] of Object.entries(loaders)) bundled.set(id, load);
}

/** A dependency, now: the bundled copy when there is one, else `require` from node_modules. */
export function requireModule<T>(id: string): T {
  const load = bundled.get(id);
  return (load ? load() : require(id)) as T;
}

/**
 * A module loaded on first use, synchronously (CommonJS builds of our dependencies). Keeps rarely needed
 * parsers (YAML, TOML) off the start-up path of commands that never read such files.
 */
export function lazyModule<T>(id: string): () => T {
  let mod: T | undefined;
  return () => {
    mod ??= requireModule<T>(id);
    return mod;
  };
}
