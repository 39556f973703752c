export { type AuditablePackage, parseAuditableJson, readAuditableDeps } from "./auditable.js";
export { type CargoLockPackage, parseCargoLock } from "./cargo-lock.js";
export { cargoCataloger, cargoPurl, createCargoCataloger } from "./cataloger.js";
