export {
  type ArchiveScan,
  DEFAULT_JAVA_LIMITS,
  type JavaArtifact,
  type JavaLimits,
  scanJavaArchive,
} from "./archive.js";
export { createJavaCataloger, javaCataloger, mavenPurl, mergeById } from "./cataloger.js";
export { manifestIdentity, parseManifest } from "./manifest.js";
export { parsePomProperties, parseProperties } from "./pom-properties.js";
