/**
 * Alpine secdb (secdb.alpinelinux.org JSON and the older alpine-secdb YAML) and the same "secfixes" shape
 * published by Wolfi, Chainguard, MinimOS and SecureOS. One record per (distro, CVE): id `ALPINE-CVE-…`
 * (`WOLFI-…`, `CHAINGUARD-…`, …), one affected entry per release namespace and package. A fixed version of
 * "0" means the package was never affected (Alpine's convention) → status not_affected.
 */
import type { AdvisoryRecord, AffectedPackage } from "../types.js";
import { parseYamlBounded } from "./osv.js";
import { cleanId, isObject } from "./text.js";
import type { Feed, FeedContext, FeedFile, FeedItem } from "./types.js";

export function detectAlpine(file: FeedFile): boolean {
  if (!/\.(json|ya?ml)$/i.test(file.name) && /\.[a-z]+$/i.test(file.name)) return false;
  const head = file.data.subarray(0, 8192).toString("utf8");
  return /["']?packages["']?\s*:/.test(head) && /(secfixes|apkurl|distroversion|urlprefix)/.test(head);
}

/** The namespace of a secdb document: from its URL prefix, reponame, distroversion or file name. */
export function secdbNamespace(doc: Record<string, unknown>, fileName: string): string | undefined {
  const url = typeof doc.urlprefix === "string" ? doc.urlprefix.toLowerCase() : "";
  const repo = typeof doc.reponame === "string" ? doc.reponame.toLowerCase() : "";
  const where = `${url} ${repo} ${fileName.toLowerCase()}`;
  if (/wolfi/.test(where)) return "wolfi";
  if (/cgr\.dev|chainguard/.test(where)) return "chainguard";
  if (/mini\.dev|minimos/.test(where)) return "minimos";
  if (/secureos|cve0\.io/.test(where)) return "secureos";
  const ver = typeof doc.distroversion === "string" ? doc.distroversion.trim() : "";
  const m = /^v?(\d+\.\d+)/.exec(ver);
  if (m) return `alpine:${m[1]}`;
  if (ver === "edge") return "alpine:edge";
  const fm = /v(\d+\.\d+)[/!]/.exec(fileName);
  return fm ? `alpine:${fm[1]}` : undefined;
}

function prefixFor(namespace: string): string {
  return namespace.split(":")[0]!.toUpperCase();
}

function* parseSecdb(file: FeedFile, ctx: FeedContext): Generator<FeedItem> {
  const text = file.data.toString("utf8");
  let doc: unknown;
  try {
    doc = /\.ya?ml$/i.test(file.name) ? parseYamlBounded(text, true) : JSON.parse(text);
  } catch (e) {
    ctx.skip(file.name, `invalid secdb (${(e as Error).message.slice(0, 100)})`);
    return;
  }
  if (isObject(doc) && (doc.packages === null || doc.packages === "") && doc.distroversion) return; // empty repo
  if (!isObject(doc) || !Array.isArray(doc.packages)) {
    ctx.skip(file.name, "no packages list");
    return;
  }
  const namespace = secdbNamespace(doc, file.name);
  if (!namespace) {
    ctx.skip(file.name, "cannot tell the distro release (no distroversion)");
    return;
  }
  const prefix = prefixFor(namespace);
  const source = namespace.split(":")[0]!;
  for (const [i, p] of doc.packages.entries()) {
    const pkg = isObject(p) && isObject(p.pkg) ? p.pkg : undefined;
    const name = cleanId(pkg?.name, 256);
    if (!pkg || !name) {
      ctx.skip(`${file.name}#packages[${i}]`, "package without a name");
      continue;
    }
    if (pkg.secfixes === undefined || pkg.secfixes === null) continue;
    if (!isObject(pkg.secfixes)) {
      ctx.skip(`${file.name}#${name}`, "secfixes is not a map");
      continue;
    }
    for (const [rawVer, ids] of Object.entries(pkg.secfixes)) {
      const ver = cleanId(rawVer, 256);
      if (ids === null || ids === "") continue;
      if (!ver || !Array.isArray(ids)) {
        ctx.skip(`${file.name}#${name}@${rawVer.slice(0, 40)}`, "secfixes entry is not a list");
        continue;
      }
      for (const raw of ids) {
        // Entries are "CVE-2019-1234", sometimes with extra ids: "CVE-2019-1234 ALPINE-13661" or "XSA-123".
        const tokens = (typeof raw === "string" ? raw : String(raw ?? "")).split(/\s+/).filter(Boolean);
        const primary = cleanId(tokens[0], 128);
        if (!primary) continue;
        const entry: AffectedPackage =
          ver === "0"
            ? { namespace, name, status: "not_affected", ranges: [] }
            : {
                namespace,
                name,
                status: "fixed",
                ranges: [{ type: "ECOSYSTEM", events: [{ introduced: "0" }, { fixed: ver }] }],
                fixedVersions: [ver],
              };
        const rec: AdvisoryRecord = {
          id: `${prefix}-${primary}`,
          aliases: [
            primary,
            ...tokens
              .slice(1)
              .map((t) => cleanId(t, 128)!)
              .filter(Boolean),
          ],
          source,
          affected: [entry],
          severities: [],
          cwes: [],
          references: [],
        };
        yield rec;
      }
    }
  }
}

export const alpineFeed: Feed = {
  name: "alpine",
  detect: detectAlpine,
  async *parse(file, ctx) {
    yield* parseSecdb(file, ctx);
  },
};
