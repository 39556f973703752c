/** Test support: ajv validators for the official CycloneDX 1.6 and SPDX 2.3 schemas and Vigil's own. */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { Ajv, type ValidateFunction } from "ajv";
import addFormatsModule from "ajv-formats";

const require = createRequire(import.meta.url);
// ajv-formats is CommonJS with a default export.
const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

function readJson(path: string): Record<string, unknown> {
  return JSON.parse(readFileSync(path, "utf8")) as Record<string, unknown>;
}

function newAjv(): Ajv {
  const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: true });
  addFormats(ajv);
  return ajv;
}

/** Validator for CycloneDX 1.6 JSON, from the schema files shipped with @cyclonedx/cyclonedx-library. */
export function cycloneDx16Validator(): ValidateFunction {
  const pkgDir = dirname(require.resolve("@cyclonedx/cyclonedx-library/package.json"));
  const dir = join(pkgDir, "res", "schema");
  const ajv = newAjv();
  // bom-1.6 refers to its neighbours by their SNAPSHOT file names: register them under those ids.
  for (const f of [
    "spdx.SNAPSHOT.schema.json",
    "jsf-0.82.SNAPSHOT.schema.json",
    "cryptography-defs.SNAPSHOT.schema.json",
  ]) {
    const s = readJson(join(dir, f));
    s.$id = `http://cyclonedx.org/schema/${f}`;
    ajv.addSchema(s);
  }
  return ajv.compile(readJson(join(dir, "bom-1.6.SNAPSHOT.schema.json")));
}

/** Validator for SPDX 2.3 JSON (official schema, vendored in src/sbom/schema/vendor/). */
export function spdx23Validator(): ValidateFunction {
  const path = fileURLToPath(new URL("../schema/vendor/spdx-2.3.schema.json", import.meta.url));
  return newAjv().compile(readJson(path));
}

/** Validator for Vigil's own SBOM JSON. */
export function vigilSbomValidator(): ValidateFunction {
  const path = fileURLToPath(new URL("../schema/vigil-sbom.schema.json", import.meta.url));
  return newAjv().compile(readJson(path));
}

export function errorsText(v: ValidateFunction): string {
  return (v.errors ?? [])
    .slice(0, 10)
    .map((e) => `${e.instancePath} ${e.message}`)
    .join("; ");
}
