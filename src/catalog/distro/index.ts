export { DISTRO_PATHS, detectDistro, distroFromOsRelease, wantsDistroPath } from "./detect.js";
export { parseOsRelease } from "./os-release.js";
export {
  parseAlpineRelease,
  parseDebianVersion,
  parseLsbRelease,
  parseRedhatRelease,
  parseSystemReleaseCpe,
} from "./release-files.js";
