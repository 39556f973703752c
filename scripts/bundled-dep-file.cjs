"use strict";
/** The package a module id belongs to ("semver/classes/semver.js" → "semver", "@a/b/c" → "@a/b"). */
const packageOf = (id) =>
  id
    .split("/")
    .slice(0, id.startsWith("@") ? 2 : 1)
    .join("/");
exports.packageOf = packageOf;
/**
 * The file of dist/cli/deps/ that holds a bundled package ("@renovatebot/pep440" →
 * "renovatebot+pep440.cjs"). One file per package, exporting each listed module id of it, so that modules
 * of one package share their internals (one `SemVer` class for `satisfies` and the class itself).
 */
exports.bundledDepFile = (id) => `${packageOf(id).replace(/^@/, "").replace(/\//g, "+")}.cjs`;
