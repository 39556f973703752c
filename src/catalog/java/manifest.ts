/** `META-INF/MANIFEST.MF` (JAR manifest): main-section attributes, continuation lines joined. */

export interface Manifest {
  /** Main-section attributes; names compared case-insensitively (stored lower-cased). */
  main: Map<string, string>;
  /** The main section's raw text, up to and including its terminating blank line. */
  mainText: string;
}

export function parseManifest(text: string): Manifest {
  const main = new Map<string, string>();
  // Split keeping the line ends so that the raw main section can be reproduced.
  const re = /\r\n|\r|\n/g;
  let pos = 0;
  let last: string | undefined;
  let mainEnd = text.length;
  let started = false;
  for (;;) {
    const m = re.exec(text);
    const end = m ? m.index : text.length;
    const line = text.slice(pos, end);
    const next = m ? m.index + m[0].length : text.length;
    if (line === "") {
      if (started || !m) {
        mainEnd = next;
        break;
      }
    } else if (line.startsWith(" ")) {
      if (last !== undefined) main.set(last, main.get(last)! + line.slice(1));
    } else {
      started = true;
      const colon = line.indexOf(":");
      if (colon > 0) {
        last = line.slice(0, colon).trim().toLowerCase();
        main.set(last, line.slice(colon + 1).replace(/^ /, ""));
      } else last = undefined; // malformed header line: ignored
    }
    if (!m) break;
    pos = next;
  }
  return { main, mainText: text.slice(0, mainEnd) };
}

export interface ManifestIdentity {
  groupId?: string;
  artifactId?: string;
  version?: string;
  /** The attribute the version came from. */
  versionField?: string;
  /** The attributes the identity came from, for the package metadata. */
  fields: string[];
}

/** Symbolic names that look like a reverse-DNS group ("com.google.guava"), not "slf4j.api". */
const REVERSE_DNS_RE =
  /^(com|org|net|io|ch|de|edu|gov|javax|jakarta|uk|fr|it|nl|be|eu|info|dev|me|co|jp|cn|ru|se|no|dk|fi|at|pl|cz|us|ca|au|br|in|kr|es|pt|sk|tech|xyz)\.[\w-]+/;

function clean(v: string | undefined): string | undefined {
  if (v === undefined) return undefined;
  const s = v
    .trim()
    .replace(/^"(.*)"$/, "$1")
    .trim();
  return s === "" ? undefined : s;
}

/**
 * What a manifest says about the archive: Maven coordinates from Implementation-*, Bundle-* (OSGi),
 * Jenkins plugin and Automatic-Module-Name fields. Any part may be missing.
 */
export function manifestIdentity(m: Manifest): ManifestIdentity {
  const g = (k: string) => clean(m.main.get(k.toLowerCase()));
  const fields: string[] = [];
  const pick = (...keys: string[]) => {
    for (const k of keys) {
      const v = g(k);
      if (v) {
        fields.push(k);
        return v;
      }
    }
    return undefined;
  };
  const bsn = clean(g("Bundle-SymbolicName")?.split(";")[0]);
  let artifactId = pick("Short-Name", "Extension-Name", "Implementation-Title");
  // A human title ("Guava: Google Core Libraries", "Netty/All-in-One") is not an artifact id.
  if (artifactId && /[\s/:]/.test(artifactId)) artifactId = undefined;
  const versionKeys = ["Implementation-Version", "Plugin-Version", "Bundle-Version", "Specification-Version"];
  // "5.6.0 (b0)": keep the version token only.
  const version = pick(...versionKeys)?.split(/\s/)[0];
  const versionField = versionKeys.find((k) => fields.includes(k));
  let groupId = pick("Group-Id", "Implementation-Vendor-Id");
  if (!groupId && bsn && bsn.includes(".")) {
    fields.push("Bundle-SymbolicName");
    // "com.fasterxml.jackson.core.jackson-databind" ends with the artifact: the rest is the group;
    // otherwise the symbolic name is usually the group itself ("com.google.guava", "com.google.inject").
    if (artifactId && bsn.endsWith(`.${artifactId}`)) groupId = bsn.slice(0, -artifactId.length - 1);
    else if (REVERSE_DNS_RE.test(bsn)) groupId = bsn;
  }
  if (!artifactId && bsn && !bsn.includes(".")) artifactId = bsn;
  const out: ManifestIdentity = { fields };
  if (groupId) out.groupId = groupId;
  if (artifactId) out.artifactId = artifactId;
  if (version) out.version = version;
  if (version && versionField) out.versionField = versionField;
  return out;
}
