import { lazyModule } from "../../core/lazy.js";

const yaml = lazyModule<typeof import("yaml")>("yaml");

/**
 * A YAML lockfile's top-level mapping (pnpm-lock.yaml, yarn berry), or the warning that says why not.
 * The YAML parser loads on first use; aliases are capped (billion-laughs documents).
 */
export function yamlMapping(text: string): { doc: Record<string, unknown> } | { warning: string } {
  let doc: unknown;
  try {
    doc = yaml().parse(text, { maxAliasCount: 100 });
  } catch (e) {
    return { warning: `not valid YAML (${(e as Error).message.split("\n")[0]?.slice(0, 120)})` };
  }
  if (!doc || typeof doc !== "object" || Array.isArray(doc)) return { warning: "not a YAML mapping" };
  return { doc: doc as Record<string, unknown> };
}
