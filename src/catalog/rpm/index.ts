export { isBerkeleyDbHash, readBdbHash } from "./bdb.js";
export { RPM_DB_PATHS, rpmCataloger, splitSourceRpm } from "./cataloger.js";
export { parseRpmHeader, type RpmHeader } from "./header.js";
export { isNdb, readNdb } from "./ndb.js";
export { isSqlite, readRpmSqlite } from "./sqlite.js";
