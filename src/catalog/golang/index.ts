export { type GoBuildInfo, type GoModule, parseModInfo, readGoBuildInfo } from "./buildinfo.js";
export {
  createGoBinaryCataloger,
  develPseudoVersion,
  goBinaryCataloger,
  golangPurl,
  packagesFromBuildInfo,
  stdlibVersion,
} from "./cataloger.js";
