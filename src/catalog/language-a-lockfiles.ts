/**
 * Where a lockfile may stand as evidence (npm, RubyGems, Composer, NuGet lockfiles). A lockfile that
 * lies inside another package's installed files is that package's source, not a project of the image:
 * e.g. Debian's libruby3.1 ships gems/typeprof-0.21.2/vscode/package-lock.json (a VS Code extension's
 * source, nothing installed). Such lockfiles are ignored.
 */
const INSTALLED_TREES = [
  "/node_modules/",
  "/gems/",
  "/site-packages/",
  "/dist-packages/",
  "/vendor/",
  "/usr/share/doc/",
  "/.cargo/registry/",
  "/go/pkg/mod/",
];

/** True when `path` lies inside an installed package tree. Call only after the cheap suffix checks. */
export function insideInstalledTree(path: string): boolean {
  for (const t of INSTALLED_TREES) if (path.includes(t)) return true;
  return false;
}
