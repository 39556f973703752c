/** `guava-31.1-jre.jar` → { name: "guava", version: "31.1-jre" }: the version starts at the first "-<digit>". */
export function parseArchiveFileName(fileName: string): { name: string; version?: string } | undefined {
  const base = fileName.slice(fileName.lastIndexOf("/") + 1).replace(/\.(jar|war|ear|jpi|hpi)$/i, "");
  if (base === "") return undefined;
  const m = /^(.+?)-(\d[^/]*)$/.exec(base);
  if (m) return { name: m[1]!, version: m[2]! };
  return { name: base };
}
