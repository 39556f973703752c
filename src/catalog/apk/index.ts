export { APK_INSTALLED, APK_INSTALLED_USR, apkCataloger } from "./cataloger.js";
export { parseApkInstalled } from "./installed.js";
