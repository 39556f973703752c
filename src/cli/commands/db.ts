/**
 * `vigil db build|update|status|diff`: build, update, inspect and compare advisory snapshots.
 * Thin: flags → src/advisory → text or JSON.
 */
import type { Command } from "commander";
import { loadAdvisoryConfig } from "../../advisory/config.js";
import { isUrl } from "../../advisory/fetch.js";
import { buildSnapshot } from "../../advisory/store/build.js";
import { diffSnapshots } from "../../advisory/store/diff.js";
import { checkFreshness } from "../../advisory/store/freshness.js";
import { defaultSnapshotPath, openSnapshot } from "../../advisory/store/open.js";
import { resolveFeedSources, updateSnapshot } from "../../advisory/update.js";
import { VigilError } from "../../core/errors.js";
import { createLogger, sanitizeTerminal } from "../../core/logger.js";

interface CommonFlags {
  quiet?: boolean;
  verbose?: boolean;
}

function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

function out(text: string): void {
  process.stdout.write(text);
}

function maxAge(v: string | undefined, fallback: number): number {
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0)
    throw new VigilError("USAGE", `--max-age: expected a positive number of days, got "${v}"`);
  return n;
}

export function register(program: Command): void {
  const db = program.command("db").description("Build, update and inspect the advisory database");

  db.command("build")
    .description("Build a snapshot from feed files, directories or URLs (feed type detected, or FEED=PATH)")
    .requiredOption("-s, --source <source>", "feed source: path, URL, or feed=PATH|URL (repeatable)", collect)
    .option("-o, --output <file>", "snapshot file to write", defaultSnapshotPath())
    .option("--offline", "never open a socket: URLs must already be in the download cache")
    .option("-q, --quiet", "no progress output")
    .option("--verbose", "debug output")
    .action(async (flags: CommonFlags & { source: string[]; output: string; offline?: boolean }) => {
      const logger = createLogger({ quiet: flags.quiet, verbose: flags.verbose });
      const specs = flags.source.map((s) => {
        const m = /^([a-z][a-z0-9-]*)=(.+)$/.exec(s);
        return m && !isUrl(s) ? { feed: m[1], location: m[2]! } : { location: s };
      });
      const sources = await resolveFeedSources(specs, { offline: flags.offline, logger });
      const started = Date.now();
      const m = await buildSnapshot({ sources, out: flags.output, logger });
      const records = m.namespaces.reduce((n, x) => n + x.records, 0);
      logger.progress(
        `Built ${flags.output} in ${((Date.now() - started) / 1000).toFixed(1)} s: ${m.namespaces.length} namespaces, ${records} namespace records, ${m.contentHash}`,
      );
    });

  db.command("update")
    .description("Fetch or rebuild the advisory database and swap it in atomically")
    .option(
      "--from <source>",
      "install this snapshot (URL, file, or oci://REGISTRY/REPO:TAG) instead of rebuilding from feeds",
    )
    .option("--insecure-registry <host>", "allow plain HTTP to this registry (oci:// sources)", collect)
    .option(
      "-s, --source <source>",
      "rebuild from these sources instead of the configured feeds (repeatable)",
      collect,
    )
    .option("--offline", "never open a socket: use local paths and cached downloads only")
    .option("--db <file>", "snapshot to update", defaultSnapshotPath())
    .option("-q, --quiet", "no progress output")
    .option("--verbose", "debug output")
    .action(
      async (
        flags: CommonFlags & {
          from?: string;
          source?: string[];
          offline?: boolean;
          db: string;
          insecureRegistry?: string[];
        },
      ) => {
        const logger = createLogger({ quiet: flags.quiet, verbose: flags.verbose });
        const cfg = loadAdvisoryConfig();
        const from = flags.from ?? (flags.source ? undefined : cfg.snapshotUrl);
        await updateSnapshot({
          target: flags.db,
          from,
          offline: flags.offline,
          sources: flags.source,
          config: cfg,
          logger,
          ...(flags.insecureRegistry?.length
            ? { registry: { insecureRegistries: flags.insecureRegistry } }
            : {}),
        });
      },
    );

  db.command("push")
    .description("Publish a snapshot to a registry as an OCI artifact (for `db update --from oci://…`)")
    .argument("<file>", "snapshot file (verified before it is pushed)")
    .argument("<reference>", "REGISTRY/REPO[:TAG], e.g. registry.example:5000/vigil/advisories:latest")
    .option("--insecure-registry <host>", "allow plain HTTP to this registry", collect)
    .option("-q, --quiet", "no progress output")
    .option("--verbose", "debug output")
    .action(async (file: string, reference: string, flags: CommonFlags & { insecureRegistry?: string[] }) => {
      const logger = createLogger({ quiet: flags.quiet, verbose: flags.verbose });
      const store = openSnapshot(file);
      try {
        store.verify();
      } finally {
        store.close();
      }
      const { pushSnapshotArtifact } = await import("../../advisory/oci-artifact.js");
      await pushSnapshotArtifact(file, reference.replace(/^(oci|registry):\/\//, ""), {
        logger,
        ...(flags.insecureRegistry?.length
          ? { registry: { insecureRegistries: flags.insecureRegistry } }
          : {}),
      });
    });

  db.command("status")
    .description("Show the advisory database's version, age, feeds and counts")
    .option("--db <file>", "snapshot to inspect", defaultSnapshotPath())
    .option("--json", "JSON output")
    .option("--max-age <days>", "age after which the database is stale (default from config, 7)")
    .action((flags: { db: string; json?: boolean; maxAge?: string }) => {
      const cfg = loadAdvisoryConfig();
      const store = openSnapshot(flags.db);
      try {
        const fresh = checkFreshness(store, maxAge(flags.maxAge, cfg.maxAgeDays));
        const counts = store.enrichmentCounts();
        const status = {
          path: flags.db,
          schemaVersion: store.manifest.schemaVersion,
          builtAt: store.manifest.builtAt,
          ageDays: Math.round(fresh.ageDays * 10) / 10,
          stale: fresh.stale,
          maxAgeDays: fresh.maxAgeDays,
          contentHash: store.manifest.contentHash,
          advisories: store.advisoryCount(),
          kev: counts.kev,
          epss: counts.epss,
          feeds: store.manifest.feeds,
          namespaces: store
            .namespaceInfo()
            .map(({ namespace, records, packages }) => ({ namespace, records, packages })),
        };
        if (flags.json) {
          out(`${JSON.stringify(status, null, 2)}\n`);
          return;
        }
        const lines = [
          `Advisory database  ${sanitizeTerminal(flags.db)}`,
          `  schema version   ${status.schemaVersion}`,
          `  built            ${status.builtAt} (${status.ageDays} days ago${status.stale ? `, STALE: older than ${status.maxAgeDays} days` : ""})`,
          `  content hash     ${status.contentHash}`,
          `  advisories       ${status.advisories}   KEV ${status.kev}   EPSS ${status.epss}`,
          "",
          "  Feeds",
          ...status.feeds.map(
            (f) =>
              `    ${f.feed.padEnd(15)} ${String(f.records).padStart(8)} records${f.skipped ? `, ${f.skipped} skipped` : ""}${f.newest ? `, newest ${f.newest.slice(0, 10)}` : ""}  ${sanitizeTerminal(f.source)}`,
          ),
          "",
          "  Namespaces",
          ...status.namespaces.map(
            (n) =>
              `    ${n.namespace.padEnd(24)} ${String(n.records).padStart(8)} advisories ${String(n.packages).padStart(8)} packages`,
          ),
        ];
        out(`${lines.join("\n")}\n`);
      } finally {
        store.close();
      }
    });

  db.command("diff")
    .description(
      "List advisories added, changed and withdrawn between two snapshots, and the package keys they touch",
    )
    .argument("<old>", "older snapshot file")
    .argument("<new>", "newer snapshot file")
    .option("--json", "JSON output")
    .action((oldPath: string, newPath: string, flags: { json?: boolean }) => {
      const a = openSnapshot(oldPath);
      const b = openSnapshot(newPath);
      try {
        const d = diffSnapshots(a, b);
        if (flags.json) {
          out(`${JSON.stringify(d, null, 2)}\n`);
          return;
        }
        const list = (title: string, ids: string[]) =>
          ids.length
            ? [`${title} (${ids.length})`, ...ids.map((i) => `  ${sanitizeTerminal(i)}`)]
            : [`${title} (0)`];
        out(
          `${[
            `From ${d.from.builtAt} ${d.from.contentHash}`,
            `To   ${d.to.builtAt} ${d.to.contentHash}`,
            ...list("Added", d.added),
            ...list("Changed", d.changed),
            ...list("Withdrawn", d.withdrawn),
            ...list("Removed", d.removed),
            `Package keys touched (${d.packageKeys.length})`,
            ...d.packageKeys.map((k) => `  ${sanitizeTerminal(k.namespace)} ${sanitizeTerminal(k.name)}`),
          ].join("\n")}\n`,
        );
      } finally {
        a.close();
        b.close();
      }
    });
}
