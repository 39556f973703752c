import type { Command } from "commander";
import { vigilVersion } from "../../core/version.js";

export function register(program: Command): void {
  program
    .command("version")
    .description("Show Vigil's version")
    .action(() => {
      process.stdout.write(`vigil ${vigilVersion()}\n`);
    });
}
