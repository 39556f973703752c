/**
 * Catalogues one Java archive (jar/war/ear/jpi/hpi), recursing into archives nested inside it.
 * Pure over a ByteSource: no file system, no process.
 */
import type { ByteSource } from "../binary/byte-source.js";
import { parseArchiveFileName } from "./filename.js";
import { manifestIdentity, parseManifest } from "./manifest.js";
import { parsePomProperties } from "./pom-properties.js";
import { type OpenedZip, openZip, type ZipEntryInfo, ZipLimitError } from "./zip.js";

export const JAVA_ARCHIVE_RE = /\.(jar|war|ear|jpi|hpi)$/i;

export interface JavaLimits {
  /** Deepest nesting read (the top-level archive is depth 0). */
  maxDepth: number;
  /** Largest deflated nested archive inflated into memory. */
  maxNestedArchiveBytes: number;
  /** Largest pom.properties / MANIFEST.MF read. */
  maxMetadataBytes: number;
  /** Total bytes inflated for one top-level archive (metadata + nested archives). */
  maxInflatedBytesPerFile: number;
  /** Most nested archives opened for one top-level archive. */
  maxArchivesPerFile: number;
  /** Most central-directory entries per archive. */
  maxEntries: number;
  /** Compression ratio above which an entry (> 1 MiB) is treated as a bomb. */
  maxRatio: number;
}

export const DEFAULT_JAVA_LIMITS: JavaLimits = {
  maxDepth: 8,
  maxNestedArchiveBytes: 128 * 1024 ** 2,
  maxMetadataBytes: 1024 ** 2,
  maxInflatedBytesPerFile: 1024 ** 3,
  maxArchivesPerFile: 10_000,
  maxEntries: 500_000,
  maxRatio: 200,
};

/** How the coordinates were found. */
export type JavaEvidence = "pom.properties" | "manifest" | "filename";

export interface JavaArtifact {
  groupId: string;
  artifactId: string;
  version: string;
  /** Archive chain: "/app/app.jar!BOOT-INF/lib/x.jar". */
  archivePath: string;
  evidence: JavaEvidence;
  /** The entry that gave the coordinates (pom.properties or manifest path inside the archive). */
  evidenceEntry?: string;
  /** groupId was not declared and was taken from the artifactId. */
  groupIdInferred?: boolean;
}

export interface ArchiveScan {
  artifacts: JavaArtifact[];
  warnings: string[];
}

interface Budget {
  inflated: number;
  archives: number;
  depthWarned: boolean;
}

const POM_PROPERTIES_RE = /(^|\/)META-INF\/maven\/[^/]+\/[^/]+\/pom\.properties$/;

export async function scanJavaArchive(
  source: ByteSource,
  archivePath: string,
  limits: JavaLimits = DEFAULT_JAVA_LIMITS,
): Promise<ArchiveScan> {
  const out: ArchiveScan = { artifacts: [], warnings: [] };
  const budget: Budget = { inflated: 0, archives: 0, depthWarned: false };
  await scan(source, archivePath, 0, limits, budget, out);
  return out;
}

async function scan(
  source: ByteSource,
  archivePath: string,
  depth: number,
  limits: JavaLimits,
  budget: Budget,
  out: ArchiveScan,
): Promise<void> {
  budget.archives++;
  let zip: OpenedZip;
  // A top-level archive's directory is kept with its source: the symlinks to a jar share that source
  // (fileRefSource) and are scanned again (their names can change what is found) without re-reading it.
  const shared = depth === 0;
  try {
    zip = shared ? await openShared(source, limits) : await openZip(source, limitsOf(limits), ZIP_OPTIONS);
  } catch (err) {
    out.warnings.push(`${archivePath}: not a readable Java archive (${errText(err)})`);
    return;
  }
  try {
    const poms: ZipEntryInfo[] = [];
    let manifestEntry: ZipEntryInfo | undefined;
    const nested: ZipEntryInfo[] = [];
    for (const e of zip.entries) {
      if (e.isDirectory) continue;
      if (POM_PROPERTIES_RE.test(e.name)) poms.push(e);
      else if (e.name.toUpperCase() === "META-INF/MANIFEST.MF") manifestEntry = e;
      else if (JAVA_ARCHIVE_RE.test(e.name)) nested.push(e);
    }

    const readText = async (e: ZipEntryInfo): Promise<string | undefined> => {
      try {
        const remaining = limits.maxInflatedBytesPerFile - budget.inflated;
        const buf = await zip.readEntry(e, Math.min(limits.maxMetadataBytes, remaining));
        budget.inflated += buf.length;
        return buf.toString("utf8");
      } catch (err) {
        out.warnings.push(`${archivePath}!${e.name}: ${errText(err)}`);
        return undefined;
      }
    };

    const fileName = parseArchiveFileName(archivePath.slice(archivePath.lastIndexOf("!") + 1));
    let manifestId: ReturnType<typeof manifestIdentity> | undefined;
    if (manifestEntry) {
      const text = await readText(manifestEntry);
      if (text !== undefined) manifestId = manifestIdentity(parseManifest(text));
    }

    let matchesArchive = false;
    for (const e of poms) {
      const text = await readText(e);
      if (text === undefined) continue;
      const p = parsePomProperties(text);
      if (!p.artifactId || !p.version) {
        out.warnings.push(`${archivePath}!${e.name}: pom.properties without artifactId or version`);
        continue;
      }
      const a: JavaArtifact = {
        groupId: p.groupId ?? manifestId?.groupId ?? p.artifactId,
        artifactId: p.artifactId,
        version: p.version,
        archivePath,
        evidence: "pom.properties",
        evidenceEntry: e.name,
      };
      if (!p.groupId && !manifestId?.groupId) a.groupIdInferred = true;
      out.artifacts.push(a);
      if (fileName && nameMatches(fileName.name, p.artifactId)) matchesArchive = true;
      if (manifestId?.version === p.version) matchesArchive = true;
    }

    // The archive's own identity when no pom.properties describes it: manifest, then file name.
    if (!matchesArchive) {
      const own = ownIdentity(manifestId, fileName, poms.length > 0);
      if (own) {
        out.artifacts.push({
          ...own,
          archivePath,
          ...(own.evidence === "manifest" && manifestEntry ? { evidenceEntry: manifestEntry.name } : {}),
        });
      }
    }

    for (const e of nested) {
      if (depth + 1 > limits.maxDepth) {
        if (!budget.depthWarned) {
          out.warnings.push(
            `${archivePath}!${e.name}: nested deeper than ${limits.maxDepth} archives; not read`,
          );
          budget.depthWarned = true;
        }
        continue;
      }
      if (budget.archives >= limits.maxArchivesPerFile) {
        out.warnings.push(
          `${archivePath}: more than ${limits.maxArchivesPerFile} nested archives; rest not read`,
        );
        return;
      }
      const remaining = limits.maxInflatedBytesPerFile - budget.inflated;
      let inner: ByteSource;
      try {
        inner = await zip.entrySource(e, Math.min(limits.maxNestedArchiveBytes, Math.max(0, remaining)));
      } catch (err) {
        out.warnings.push(`${archivePath}!${e.name}: ${errText(err)}; not read`);
        continue;
      }
      if (e.compressionMethod !== 0) budget.inflated += inner.size;
      await scan(inner, `${archivePath}!${e.name}`, depth + 1, limits, budget, out);
    }
  } finally {
    if (!shared) zip.close();
  }
}

function limitsOf(limits: JavaLimits) {
  return { maxEntries: limits.maxEntries, maxRatio: limits.maxRatio };
}

/**
 * What an archive's directory is read for: pom.properties, MANIFEST.MF and nested archives. A jar's
 * other entries (classes, resources: nearly all of them) are stepped over without decoding their names.
 * Must cover what `scan` matches (POM_PROPERTIES_RE, the manifest, JAVA_ARCHIVE_RE's extensions).
 */
const WANTED_ENTRY_SUFFIXES = [".properties", ".mf", ".jar", ".war", ".ear", ".jpi", ".hpi"];
const ZIP_OPTIONS = { suffixes: WANTED_ENTRY_SUFFIXES };

/** Opened top-level archives by source and limits (a zip over a ByteSource holds no file handle). */
const openedZips = new WeakMap<ByteSource, Map<JavaLimits, Promise<OpenedZip>>>();

function openShared(source: ByteSource, limits: JavaLimits): Promise<OpenedZip> {
  let byLimits = openedZips.get(source);
  if (!byLimits) openedZips.set(source, (byLimits = new Map()));
  let p = byLimits.get(limits);
  if (!p) {
    p = openZip(source, limitsOf(limits), ZIP_OPTIONS);
    byLimits.set(limits, p);
  }
  return p;
}

/**
 * The archive's own coordinates from its manifest and file name (used when no pom.properties describes
 * the archive). Exported for tests.
 */
export function ownIdentity(
  m: ReturnType<typeof manifestIdentity> | undefined,
  fileName: { name: string; version?: string } | undefined,
  hasPoms: boolean,
): Omit<JavaArtifact, "archivePath"> | undefined {
  const artifactId = fileName?.name ?? m?.artifactId;
  if (m?.version && (m.artifactId || fileName)) {
    const name = fileName?.version ? fileName.name : (m.artifactId ?? fileName!.name);
    // With shaded pom.properties present, only trust the manifest when the file name agrees with it.
    if (hasPoms && fileName?.version && fileName.version !== m.version) return undefined;
    const groupId = m.groupId ?? name;
    // Bundle-Version is OSGi-normalised ("27.0.0.jre"): the file name's "27.0-jre" is the Maven version.
    const version = m.versionField === "Bundle-Version" && fileName?.version ? fileName.version : m.version;
    return {
      groupId,
      artifactId: name,
      version,
      evidence: "manifest",
      ...(m.groupId ? {} : { groupIdInferred: true }),
    };
  }
  if (!hasPoms && artifactId && fileName?.version) {
    return {
      groupId: m?.groupId ?? fileName.name,
      artifactId: fileName.name,
      version: fileName.version,
      evidence: "filename",
      ...(m?.groupId ? {} : { groupIdInferred: true }),
    };
  }
  return undefined;
}

/** Does the archive's file name denote this artifactId ("guava", "com.google.guava.guava", "jboss-foo")? */
function nameMatches(fileName: string, artifactId: string): boolean {
  return (
    fileName === artifactId || fileName.endsWith(`.${artifactId}`) || fileName.endsWith(`-${artifactId}`)
  );
}

function errText(err: unknown): string {
  if (err instanceof ZipLimitError) return `limit exceeded: ${err.message}`;
  return err instanceof Error ? err.message : String(err);
}
