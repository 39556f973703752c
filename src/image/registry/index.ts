export { type Challenge, parseWwwAuthenticate } from "./auth.js";
export { type FetchedManifest, MEDIA_TYPES, RegistryClient, type RegistryClientOptions } from "./client.js";
export { type CredentialOptions, type Credentials, resolveCredentials } from "./credentials.js";
export { type HttpOptions, redactUrl } from "./http.js";
export { openRegistryImage, type RegistryOpenOptions, registryClientFor } from "./source.js";
