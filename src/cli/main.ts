#!/usr/bin/env node
/**
 * Vigil's entry point. Kept tiny so that `vigil --version` starts fast: each command lives in
 * `commands/<name>.ts` and is imported only when it runs (or when full help is asked for).
 */
import { readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { requireModule } from "../core/lazy.js";
import { enableV8Tuning } from "../core/v8-flags.js";
import { vigilVersion } from "../core/version.js";
import { v8DefaultFlags, v8TuningFlags } from "./v8-tuning.js";

/**
 * Commands are the modules in ./commands/ (one file each, exporting `register(program)`); a command is
 * added by adding its file. Aliases that Docker Scout users type are mapped here.
 */
const ALIASES: Record<string, string> = {
  qv: "quickview",
  diff: "compare",
  recommendation: "recommendations",
};

function commandModules(): string[] {
  const dir = fileURLToPath(new URL("./commands/", import.meta.url));
  return readdirSync(dir)
    .filter((f) => /\.(js|ts)$/.test(f) && !/\.(test|d)\.[jt]s$/.test(f))
    .map((f) => f.replace(/\.(js|ts)$/, ""))
    .sort();
}

const PLUGIN_NAME = "vigil";

function resolveCommand(name: string | undefined, modules: string[]): string | undefined {
  if (!name) return undefined;
  const target = ALIASES[name] ?? name;
  return modules.includes(target) ? target : undefined;
}

export async function main(argv: string[]): Promise<number> {
  let args = argv.slice(2);
  // Docker CLI plugin protocol: `docker-vigil docker-cli-plugin-metadata`, then `docker-vigil vigil <cmd> …`.
  if (args[0] === "docker-cli-plugin-metadata") {
    process.stdout.write(
      `${JSON.stringify(
        {
          SchemaVersion: "0.1.0",
          Vendor: "Vigil",
          Version: vigilVersion(),
          ShortDescription: "Container image analysis: SBOMs, CVEs and base-image advice",
          URL: "https://github.com/vigil-scan/vigil",
        },
        null,
        2,
      )}\n`,
    );
    return 0;
  }
  if (args[0] === PLUGIN_NAME && process.env.DOCKER_CLI_PLUGIN_ORIGINAL_CLI_COMMAND !== undefined) {
    args = args.slice(1);
  } else if (args[0] === PLUGIN_NAME && /docker-vigil$/.test(argv[1] ?? "")) {
    args = args.slice(1);
  }
  if (args.length === 1 && (args[0] === "--version" || args[0] === "-v")) {
    process.stdout.write(`${vigilVersion()}\n`);
    return 0;
  }
  // V8 settings for a short CLI run (src/cli/v8-tuning.ts), set once heavy work begins; a library caller
  // keeps its own. Worker threads start under V8's defaults (src/core/v8-flags.ts).
  enableV8Tuning(v8TuningFlags(process.versions.v8), v8DefaultFlags(process.versions.v8));

  // Required, not imported: commander is CommonJS, and an ESM import would also run Node's export lexer
  // over it at every start (the bundle carries its own copy: src/core/lazy.ts).
  const { Command } = requireModule<typeof import("commander")>("commander");
  const program = new Command("vigil");
  program
    .description("Container image analysis: SBOMs, vulnerabilities and base-image advice, offline-capable")
    .version(vigilVersion(), "-v, --version")
    .showHelpAfterError()
    .exitOverride();

  const modules = commandModules();
  const wanted = resolveCommand(
    args.find((a) => !a.startsWith("-")),
    modules,
  );
  const toLoad = wanted ? [wanted] : modules;
  for (const name of toLoad) {
    const mod = (await import(`./commands/${name}.js`)) as {
      register(p: InstanceType<typeof Command>): void;
    };
    mod.register(program);
  }

  const { runWithErrors } = await import("./run.js");
  return runWithErrors(() => program.parseAsync(args, { from: "user" }));
}

const isEntry = process.argv[1] && /(?:main\.[jt]s|vigil(?:\.c?js)?|docker-vigil)$/.test(process.argv[1]);
if (isEntry) {
  main(process.argv).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      process.stderr.write(`vigil: internal error: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exitCode = 1;
    },
  );
}
