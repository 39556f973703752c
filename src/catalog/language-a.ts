/**
 * Language catalogers, part A: npm, PyPI, RubyGems, Composer, NuGet (part B, Java/Go/Rust, lives in
 * language-b). The indexer concatenates these lists; order does not matter (each owns its files).
 */
import { nugetCataloger } from "./dotnet/index.js";
import { npmCataloger } from "./npm/index.js";
import { composerCataloger } from "./php/index.js";
import { pythonCataloger } from "./python/index.js";
import { rubyCataloger } from "./ruby/index.js";
import type { Cataloger } from "./types.js";

export const languageCatalogersA: Cataloger[] = [
  npmCataloger,
  pythonCataloger,
  rubyCataloger,
  composerCataloger,
  nugetCataloger,
];
