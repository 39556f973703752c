export { pythonCataloger, pythonRole } from "./cataloger.js";
export { licensesOf, normalizeName, parseHeaders, recordPaths } from "./metadata.js";
