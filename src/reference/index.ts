export {
  DEFAULT_DOMAIN,
  familiarName,
  formatImageRef,
  type ImageRef,
  parseImageRef,
  registryHost,
  repositoryName,
} from "./image-ref.js";
export { type ImageScheme, type LocalScheme, type ParsedReference, parseReference } from "./schemes.js";
