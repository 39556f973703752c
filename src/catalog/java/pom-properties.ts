/** Java `.properties` text (as Maven writes `pom.properties`) → key/value map. */
export function parseProperties(text: string): Map<string, string> {
  const out = new Map<string, string>();
  const lines = text.split(/\r\n|\r|\n/);
  for (let i = 0; i < lines.length; i++) {
    let line = lines[i]!.replace(/^[ \t\f]+/, "");
    if (line === "" || line.startsWith("#") || line.startsWith("!")) continue;
    // Continuation: an odd number of trailing backslashes joins the next line.
    while (/(^|[^\\])(\\\\)*\\$/.test(line) && i + 1 < lines.length) {
      line = line.slice(0, -1) + lines[++i]!.replace(/^[ \t\f]+/, "");
    }
    // The key ends at the first unescaped '=', ':' or whitespace.
    let k = 0;
    while (k < line.length) {
      const c = line[k]!;
      if (c === "\\") {
        k += 2;
        continue;
      }
      if (c === "=" || c === ":" || c === " " || c === "\t" || c === "\f") break;
      k++;
    }
    const key = unescapeProperty(line.slice(0, k));
    let rest = line.slice(k).replace(/^[ \t\f]+/, "");
    if (rest.startsWith("=") || rest.startsWith(":")) rest = rest.slice(1).replace(/^[ \t\f]+/, "");
    out.set(key, unescapeProperty(rest)); // the last one wins, as in java.util.Properties
  }
  return out;
}

function unescapeProperty(s: string): string {
  if (!s.includes("\\")) return s;
  return s.replace(/\\(u[0-9a-fA-F]{4}|.)/g, (_m, g: string) => {
    if (g.length === 5) return String.fromCharCode(Number.parseInt(g.slice(1), 16));
    return g === "t" ? "\t" : g === "n" ? "\n" : g === "r" ? "\r" : g === "f" ? "\f" : g;
  });
}

export interface PomProperties {
  groupId?: string;
  artifactId?: string;
  version?: string;
  name?: string;
}

export function parsePomProperties(text: string): PomProperties {
  const p = parseProperties(text);
  const get = (k: string) => {
    const v = p.get(k)?.trim();
    return v ? v : undefined;
  };
  const out: PomProperties = {};
  const groupId = get("groupId");
  const artifactId = get("artifactId");
  const version = get("version");
  const name = get("name");
  if (groupId) out.groupId = groupId;
  if (artifactId) out.artifactId = artifactId;
  if (version) out.version = version;
  if (name) out.name = name;
  return out;
}
