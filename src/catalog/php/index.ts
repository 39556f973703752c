export { composerCataloger } from "./cataloger.js";
export { type ComposerRecord, parseComposerLock, parseInstalledJson } from "./composer.js";
