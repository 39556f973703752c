export { DockerEngine, type EngineEndpoint, engineEndpoint, type ImageInspect } from "./engine.js";
export { type OpenArchive, openDaemonImage } from "./source.js";
