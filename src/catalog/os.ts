/** The OS package catalogers, in the order they run, and distro detection. */
import { apkCataloger } from "./apk/index.js";
import { dpkgCataloger } from "./dpkg/index.js";
import { rpmCataloger } from "./rpm/index.js";
import type { Cataloger } from "./types.js";

export { DISTRO_PATHS, detectDistro, wantsDistroPath } from "./distro/index.js";

export const osCatalogers: Cataloger[] = [dpkgCataloger, apkCataloger, rpmCataloger];
