// Makes the V8 code caches the `vigil` launcher loads the bundle with (bin/vigil.cjs): runs Vigil's main
// job once, `vigil cves` of the bundled example image (examples/debian-app) against a snapshot of the
// bundled example advisories, with empty caches so that it indexes the image, matches and prints a report.
// With VIGIL_CODE_CACHE_WRITE=1 the launcher then writes, beside each bundled file that run loaded, the
// bytecode V8 compiled for it. Run by `npm run build` after scripts/bundle.mjs; offline.
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const launcher = join(root, "bin/vigil.cjs");
const tmp = mkdtempSync(join(tmpdir(), "vigil-code-cache-"));
// Nothing of the user's: caches, data and configuration all under the temp directory.
const env = {
  ...process.env,
  VIGIL_CACHE_DIR: join(tmp, "cache"),
  VIGIL_DATA_DIR: join(tmp, "data"),
  VIGIL_CONFIG: join(tmp, "config.yaml"),
};
delete env.VIGIL_CODE_CACHE_WRITE;
try {
  const db = join(tmp, "advisories.sqlite");
  const source = join(root, "advisories/example");
  execFileSync(launcher, ["db", "build", "--quiet", "--source", source, "--output", db], { env });
  execFileSync(launcher, ["cves", "--db", db, `oci-dir://${join(root, "examples/debian-app")}`], {
    env: { ...env, VIGIL_CODE_CACHE_WRITE: "1" },
    stdio: ["ignore", "ignore", "pipe"],
  });
  if (!existsSync(join(root, "dist/cli/vigil.cjs.cache"))) throw new Error("no code cache was written");
} catch (e) {
  process.stderr.write(e.stderr?.toString() ?? "");
  throw e;
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
