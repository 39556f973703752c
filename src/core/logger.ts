/**
 * Progress and warnings go to stderr in Docker Scout's vocabulary ("    ✓ Indexed 187 packages").
 * A Logger is passed in a context object; nothing writes to stderr directly.
 */
export interface Logger {
  /** A `✓ ...` progress line (suppressed by --quiet). */
  progress(message: string): void;
  /** A warning line (always shown unless --quiet; collected for JSON outputs). */
  warn(message: string): void;
  /** Debug detail, shown with --verbose / VIGIL_DEBUG=1. */
  debug(message: string): void;
  /** An `i …` information line (suppressed by --quiet). Optional for hand-made loggers. */
  info?(message: string): void;
  /**
   * A transient status line (a progress bar) rewritten in place; only when stderr is a terminal and not
   * --quiet. An empty message clears it. Optional for hand-made loggers.
   */
  status?(message: string): void;
  /** True when `status` lines are shown (stderr is a terminal and not --quiet). */
  readonly interactive?: boolean;
  readonly warnings: readonly string[];
}

/** Strip C0/C1 control characters (ANSI escapes included) from text that came from an image or a feed. */
export function sanitizeTerminal(text: string): string {
  return text.replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g, "");
}

/**
 * A message as one terminal line: control characters dropped (as sanitizeTerminal), and every line
 * break with the indentation around it turned into one space. Error and warning lines stay one line
 * even when they quote input (JSON.parse quotes the text around a syntax error, line breaks included).
 */
export function oneLine(text: string): string {
  return sanitizeTerminal(text.replace(/[ \t]*\r?\n[ \t\r\n]*/g, " ")).replace(/\t/g, " ");
}

export function createLogger(
  opts: { quiet?: boolean; verbose?: boolean; stream?: NodeJS.WritableStream } = {},
): Logger {
  const stream = opts.stream ?? process.stderr;
  const warnings: string[] = [];
  const verbose = opts.verbose ?? process.env.VIGIL_DEBUG === "1";
  const interactive = !opts.quiet && (stream as NodeJS.WriteStream).isTTY === true;
  let statusShown = false;
  const clearStatus = () => {
    if (statusShown) {
      stream.write("\r\x1b[K");
      statusShown = false;
    }
  };
  return {
    warnings,
    interactive,
    progress(message) {
      clearStatus();
      if (!opts.quiet) stream.write(`    ✓ ${sanitizeTerminal(message)}\n`);
    },
    warn(message) {
      warnings.push(message);
      clearStatus();
      if (!opts.quiet) stream.write(`    ! ${oneLine(message)}\n`);
    },
    status(message) {
      if (!interactive) return;
      if (!message) return clearStatus();
      stream.write(`\r\x1b[K    ${sanitizeTerminal(message)}`);
      statusShown = true;
    },
    debug(message) {
      if (verbose) stream.write(`    · ${sanitizeTerminal(message)}\n`);
    },
    info(message) {
      if (!opts.quiet) stream.write(`    i ${sanitizeTerminal(message)}\n`);
    },
  };
}

/** A logger that records and prints nothing; for tests and library use. */
export function silentLogger(): Logger {
  const warnings: string[] = [];
  return { warnings, progress() {}, warn: (m) => void warnings.push(m), debug() {} };
}
