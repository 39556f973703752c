/** Version schemes. One module per scheme in this folder; `index.ts` maps ecosystems to schemes. */
export type SchemeName =
  | "deb"
  | "apk"
  | "rpm"
  | "semver"
  | "pep440"
  | "maven"
  | "gem"
  | "golang"
  | "nuget"
  | "composer"
  | "cargo"
  | "generic";

export interface VersionScheme {
  readonly name: SchemeName;
  /** Throws InvalidVersionError with a clear message on invalid input. */
  parse(version: string): unknown;
  isValid(version: string): boolean;
  /** <0, 0, >0. Throws InvalidVersionError if either side is invalid. */
  compare(a: string, b: string): number;
}

export class InvalidVersionError extends Error {
  constructor(
    readonly scheme: SchemeName,
    readonly version: string,
    reason?: string,
  ) {
    super(`invalid ${scheme} version "${version}"${reason ? `: ${reason}` : ""}`);
    this.name = "InvalidVersionError";
  }
}

/** OSV range events, as in the OSV schema. */
export interface RangeEvent {
  introduced?: string;
  fixed?: string;
  last_affected?: string;
  limit?: string;
}

export interface AffectedRange {
  /** ECOSYSTEM uses the package's scheme; SEMVER uses semver 2.0 regardless; GIT ranges are ignored by matching. */
  type: "ECOSYSTEM" | "SEMVER" | "GIT";
  events: RangeEvent[];
}
