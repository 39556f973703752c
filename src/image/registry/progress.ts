import { Transform } from "node:stream";
import type { Logger } from "../../core/logger.js";

function mb(n: number): string {
  return `${(n / 1e6).toFixed(1)} MB`;
}

/**
 * Byte progress of a pull, shown as Scout's `...Pulling` line with a bar on an interactive stderr
 * (Logger.status does nothing otherwise). Each layer stream is wrapped with `track()`.
 */
export class PullProgress {
  private done = 0;
  private last = 0;

  constructor(
    private readonly total: number,
    private readonly logger: Logger,
  ) {}

  render(force = false): void {
    const now = Date.now();
    if (!force && now - this.last < 100) return;
    this.last = now;
    const width = 30;
    const frac = this.total > 0 ? Math.min(1, this.done / this.total) : 0;
    const fill = Math.round(frac * width);
    this.logger.status?.(
      `...Pulling [${"=".repeat(fill)}${" ".repeat(width - fill)}] ${mb(this.done)}${this.total > 0 ? ` / ${mb(this.total)}` : ""}`,
    );
  }

  /** `n` more bytes received (a download that a worker thread reads). */
  add(n: number): void {
    this.done += n;
    this.render();
  }

  track(): Transform {
    return new Transform({
      transform: (chunk: Buffer, _enc, cb) => {
        this.done += chunk.length;
        this.render();
        cb(null, chunk);
      },
      flush: (cb) => {
        this.render(true);
        cb();
      },
    });
  }

  finish(): void {
    this.logger.status?.("");
  }
}
