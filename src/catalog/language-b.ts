/** Language catalogers for compiled/archived ecosystems: Maven (jars), Go binaries, Rust (cargo). */
import { goBinaryCataloger } from "./golang/index.js";
import { javaCataloger } from "./java/index.js";
import { cargoCataloger } from "./rust/index.js";
import type { Cataloger } from "./types.js";

export const languageCatalogersB: Cataloger[] = [javaCataloger, goBinaryCataloger, cargoCataloger];
