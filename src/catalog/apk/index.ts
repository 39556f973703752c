export { APK_INSTALLED, apkCataloger } from "./cataloger.js";
export { parseApkInstalled } from "./installed.js";
