export { DPKG_STATUS, dpkgCataloger, filesFromList, filesFromMd5sums } from "./cataloger.js";
export { parseControl } from "./control.js";
export { licensesFromCopyright } from "./copyright.js";
export { isInstalled } from "./status.js";
