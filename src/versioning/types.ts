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
  | "pub"
  | "generic";

export interface VersionScheme {
  readonly name: SchemeName;
  /** Throws InvalidVersionError with a clear message on invalid input. */
  parse(version: string): unknown;
  isValid(version: string): boolean;
  /** <0, 0, >0. Throws InvalidVersionError if either side is invalid. */
  compare(a: string, b: string): number;
  /**
   * Optional: a string equal for two versions exactly when `compare` says they are equal (`1.0` and
   * `1.0.0` in PEP 440), so that a long explicit version list can be looked up in a set instead of
   * compared one by one. Throws InvalidVersionError like `parse`.
   */
  equalityKey?(version: string): string;
  /**
   * Native range-expression membership where the ecosystem has one (npm/cargo semver ranges).
   * Throws InvalidVersionError on an invalid version or range.
   */
  satisfies?(version: string, range: string): boolean;
}

export class InvalidVersionError extends Error {
  constructor(
    readonly scheme: SchemeName,
    readonly version: string,
    reason?: string,
  ) {
    super(`invalid ${scheme} version ${displayVersion(version)}${reason ? `: ${reason}` : ""}`);
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

/** Quote a version for an error message: JSON-escaped (control characters visible) and shortened. */
function displayVersion(version: unknown): string {
  const text = typeof version === "string" ? version : String(version);
  const shown = text.length > 80 ? `${text.slice(0, 80)}…` : text;
  return JSON.stringify(shown);
}
