/**
 * Installed gem specifications (`specifications/*.gemspec`) read WITHOUT executing Ruby: only the
 * literal forms RubyGems itself writes (and that hand-written specs commonly use) are understood:
 *   s.name = "x".freeze · s.version = "1.2" · spec.version = VERSION (a top-level constant) ·
 *   s.licenses = ["MIT".freeze] · s.license = 'MIT' · s.platform = "x86_64-linux" ·
 *   Gem::Specification.new "name", "1.0" · the "# stub: name version platform paths" header line.
 * Anything else (computed values) is ignored; a spec without a literal name and version is a warning.
 */

export interface GemSpec {
  name: string;
  version: string;
  licenses?: string[];
  platform?: string;
}

const MAX_LINE = 4096;

/** A Ruby string literal at the start of `s` ("x", 'x', %q{x}, %Q(x)), ignoring a trailing `.freeze`. */
function stringLiteral(s: string): string | undefined {
  const t = s.trim();
  const q = t[0];
  if (q === '"' || q === "'") {
    const end = t.indexOf(q, 1);
    return end > 0 ? t.slice(1, end) : undefined;
  }
  if (t.startsWith("%q") || t.startsWith("%Q")) {
    const open = t[2];
    const close = open === "{" ? "}" : open === "(" ? ")" : open === "[" ? "]" : open === "<" ? ">" : open;
    if (!close) return undefined;
    const end = t.indexOf(close, 3);
    return end > 0 ? t.slice(3, end) : undefined;
  }
  return undefined;
}

/** The string literals of a Ruby array literal (`["a".freeze, "b"]`) or a single literal. */
function stringList(s: string): string[] {
  const t = s.trim();
  if (!t.startsWith("[")) {
    const one = stringLiteral(t);
    return one ? [one] : [];
  }
  const end = t.indexOf("]");
  const body = end > 0 ? t.slice(1, end) : t.slice(1);
  const out: string[] = [];
  for (const part of body.split(",")) {
    const v = stringLiteral(part);
    if (v) out.push(v);
  }
  return out;
}

function isConstName(s: string): boolean {
  if (s.length === 0 || s.length > 128) return false;
  const c = s.charCodeAt(0);
  if (c < 65 || c > 90) return false;
  for (let i = 1; i < s.length; i++) {
    const ch = s[i] as string;
    if (
      !(
        (ch >= "A" && ch <= "Z") ||
        (ch >= "a" && ch <= "z") ||
        (ch >= "0" && ch <= "9") ||
        ch === "_" ||
        ch === ":"
      )
    )
      return false;
  }
  return true;
}

export function parseGemspec(text: string): GemSpec | undefined {
  const consts = new Map<string, string>();
  let name: string | undefined;
  let version: string | undefined;
  let licenses: string[] | undefined;
  let platform: string | undefined;
  let stub: GemSpec | undefined;
  for (const raw of text.split("\n")) {
    if (raw.length > MAX_LINE) continue;
    const line = raw.trim();
    if (line.startsWith("# stub: ")) {
      const parts = line.slice(8).split(" ");
      if (parts.length >= 2 && parts[0] && parts[1]) {
        stub = { name: parts[0], version: parts[1] };
        if (parts[2] && parts[2] !== "ruby") stub.platform = parts[2];
      }
      continue;
    }
    if (line.startsWith("#") || line.length === 0) continue;
    if (line.startsWith("Gem::Specification.new")) {
      const args = line.slice("Gem::Specification.new".length).replace(/^\s*\(?/, "");
      const first = stringLiteral(args);
      if (first) {
        name ??= first;
        const rest = args.slice(args.indexOf(",", first.length + 2) + 1);
        const second = args.includes(",") ? stringLiteral(rest) : undefined;
        if (second) version ??= second;
      }
      continue;
    }
    const eq = line.indexOf("=");
    if (eq <= 0 || line[eq + 1] === "=" || line[eq - 1] === "=" || line[eq - 1] === "!") continue;
    const lhs = line.slice(0, eq).trim();
    const rhs = line.slice(eq + 1).trim();
    // a top-level constant: VERSION = "1.2.3"
    if (isConstName(lhs)) {
      const v = stringLiteral(rhs);
      if (v !== undefined) consts.set(lhs, v);
      continue;
    }
    const dot = lhs.indexOf(".");
    if (dot <= 0) continue;
    const attr = lhs.slice(dot + 1);
    const literal = (): string | undefined => {
      const v = stringLiteral(rhs);
      if (v !== undefined) return v;
      const ident = rhs.split(/[\s.]/)[0] ?? "";
      return isConstName(ident) ? consts.get(ident) : undefined;
    };
    if (attr === "name") name ??= literal();
    else if (attr === "version") version ??= literal();
    else if (attr === "platform") platform ??= literal();
    else if (attr === "licenses" || attr === "license") {
      const l = stringList(rhs);
      if (l.length) licenses = [...(licenses ?? []), ...l];
    }
  }
  name ??= stub?.name;
  version ??= stub?.version;
  platform ??= stub?.platform;
  if (!name || !version) return undefined;
  const spec: GemSpec = { name, version };
  if (licenses?.length) spec.licenses = [...new Set(licenses)];
  if (platform && platform !== "ruby") spec.platform = platform;
  return spec;
}
