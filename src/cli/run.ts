import { isVigilError } from "../core/errors.js";
import { oneLine } from "../core/logger.js";

/** Exit code a command action asks for (set by actions through `setExitCode`). */
let requestedExit = 0;
export function setExitCode(code: number): void {
  requestedExit = code;
}

interface CommanderLikeError {
  code?: string;
  exitCode?: number;
}

/** Runs the parsed program, mapping every failure to one line on stderr and a documented exit code. */
export async function runWithErrors(fn: () => Promise<unknown>): Promise<number> {
  requestedExit = 0;
  try {
    await fn();
    return requestedExit;
  } catch (err) {
    const ce = err as CommanderLikeError;
    if (typeof ce?.code === "string" && ce.code.startsWith("commander.")) {
      if (
        ce.code === "commander.helpDisplayed" ||
        ce.code === "commander.version" ||
        ce.code === "commander.help"
      )
        return 0;
      return 64; // usage error; commander already printed the message
    }
    if (isVigilError(err)) {
      process.stderr.write(`vigil: ${oneLine(err.message)}\n`);
      if (process.env.VIGIL_DEBUG === "1" && err.stack) process.stderr.write(`${err.stack}\n`);
      return err.exitCode;
    }
    const msg = err instanceof Error ? err.message : String(err);
    process.stderr.write(`vigil: internal error: ${oneLine(msg)}\n`);
    if (process.env.VIGIL_DEBUG === "1" && err instanceof Error && err.stack)
      process.stderr.write(`${err.stack}\n`);
    return 1;
  }
}
