export { rubyCataloger } from "./cataloger.js";
export { type LockedGem, parseGemfileLock } from "./gemfile-lock.js";
export { type GemSpec, parseGemspec } from "./gemspec.js";
