/**
 * Which files may be compiled programs worth opening (Go, Rust). An executable file (any of the mode's
 * `x` bits, where the source records modes: every tar layer and a root filesystem) is a candidate
 * wherever it sits, unless its extension says it is something else: that finds esbuild's Go program
 * under `node_modules/@esbuild/linux-x64/bin/`, and programs under `/usr/lib/<pkg>/`. Without a mode,
 * the path decides. The catalogers then check the magic bytes and skip the rest silently. Documented in
 * docs/catalogers-language-b.md (with its blind spots).
 */

/** Directories whose files are usually programs. */
const BIN_DIR_RE =
  /^\/(?:(?:usr\/(?:local\/)?)?s?bin|usr\/libexec|usr\/local\/go\/(?:bin|pkg\/tool)|go\/bin|root\/go\/bin|home\/[^/]+\/go\/bin|usr\/lib\/go[^/]*\/(?:bin|pkg\/tool))\//;
/** Directories where applications are commonly installed (any depth below them). */
const APP_DIR_RE = /^\/(?:opt|app|apps|srv|usr\/local|workspace|ko-app|home\/[^/]+\/(?:bin|app))\//;
/** Extensions that are never executables. */
const NOT_EXE_EXT_RE =
  /\.(?:a|o|h|c|go|rs|py|pyc|rb|js|mjs|cjs|ts|json|ya?ml|toml|xml|html?|css|md|txt|rst|conf|cfg|ini|properties|sh|bash|pl|pm|jar|war|class|gz|bz2|xz|zst|zip|tar|tgz|png|jpe?g|gif|svg|ico|pem|crt|key|der|mo|po|pot|mod|sum|lock|log|csv|db|sqlite|1|2|3|5|7|8|la|pc|cmake|gemspec|so(?:\.[\d.]+)?|dll|dylib|wasm)$/i;
/** Subtrees under application directories that hold libraries, data or sources rather than programs. */
const SKIP_RE =
  /\/(?:include|share|man|doc|docs|src|node_modules|site-packages|dist-packages|lib\/python[^/]*|lib\/ruby|locale)\//;

export const MIN_BINARY_SIZE = 1024;

/** The last answer: the Go and Rust catalogers ask about every file one after the other. */
let lastPath = "";
let lastSize = -1;
let lastMode: number | undefined = -1;
let lastAnswer = false;

/** Is this file a plausible compiled program? (cheap; called for every file) */
export function isBinaryCandidate(path: string, size: number, mode?: number): boolean {
  if (size < MIN_BINARY_SIZE) return false;
  if (path === lastPath && size === lastSize && mode === lastMode) return lastAnswer;
  lastAnswer =
    mode !== undefined && (mode & 0o111) !== 0
      ? !NOT_EXE_EXT_RE.test(path.slice(path.lastIndexOf("/") + 1))
      : candidate(path);
  lastPath = path;
  lastSize = size;
  lastMode = mode;
  return lastAnswer;
}

function candidate(path: string): boolean {
  const slash = path.lastIndexOf("/");
  const base = path.slice(slash + 1);
  if (base.endsWith(".exe")) return true;
  // Anchored directory tests first: they fail fast for most paths.
  const inBin = slash === 0 || BIN_DIR_RE.test(path); // "/manager", "/server" in distroless/scratch images
  if (!inBin && !APP_DIR_RE.test(path)) return false;
  if (NOT_EXE_EXT_RE.test(base)) return false;
  if (inBin) return true;
  return !SKIP_RE.test(path) && (!base.includes(".") || /\.(?:bin|run|out)$/.test(base));
}
