export { nugetCataloger } from "./cataloger.js";
export { type NugetRecord, parseDepsJson, parsePackagesLock } from "./nuget.js";
