/**
 * OSV range evaluation, exactly the algorithm of the OSV schema's "Evaluation" section:
 *
 *   affected = v in versions  OR  some range r (not GIT) with BeforeLimits(v, r) and, walking r's
 *   events sorted by version: introduced (v >= e) → affected; fixed (v >= e) → not; last_affected
 *   (v > e) → not.
 *
 * - `introduced: "0"` sorts before every version (and is never parsed).
 * - `limit`: v must be below at least one limit; a limit containing `*` is infinity; no limit
 *   events means an implicit `*`.
 * - `SEMVER` ranges always use SemVer 2.0 precedence, whatever the package's ecosystem (for Go
 *   packages through the golang scheme, which is SemVer 2.0 precedence that also reads `v1.2.3`
 *   and toolchain versions such as `go1.21.3`);
 *   `ECOSYSTEM` ranges use the given scheme; `GIT` ranges are ignored (they need the repository).
 * - Events at the same version keep introduced before fixed/last_affected, so `[x, x)` is empty.
 * - An unparseable version (the queried one or any event's) throws InvalidVersionError: a record
 *   we cannot evaluate must not silently read as "not affected".
 */
import { npmSatisfies, type SemverOptions } from "./semver.js";
import { semver2 } from "./semver2.js";
import type { AffectedRange, RangeEvent, VersionScheme } from "./types.js";

type Kind = "introduced" | "fixed" | "last_affected";
interface SortedEvent {
  readonly kind: Kind;
  readonly version: string;
  readonly zero: boolean;
}
interface PreparedRange {
  readonly events: readonly SortedEvent[];
  readonly limits: readonly string[];
}

const KIND_ORDER: Record<Kind, number> = { introduced: 0, last_affected: 1, fixed: 2 };

/**
 * Sorted events are memoised per (events array, scheme) so repeated lookups do not re-sort. The first
 * scheme's preparation rides on the events array itself, under a non-enumerable symbol: a property read
 * is cheaper than a WeakMap lookup, and a first match that prepares thousands of ranges would otherwise
 * fill a WeakMap whose entries the garbage collector must trace as ephemerons. The WeakMap holds only
 * what the tag cannot: a second scheme for the same array, or an array that is frozen.
 */
const prepared = new WeakMap<readonly RangeEvent[], Map<VersionScheme, PreparedRange>>();
const PREPARED = Symbol("vigil.preparedRange");
type Tagged = readonly RangeEvent[] & { [PREPARED]?: { scheme: VersionScheme; range: PreparedRange } };

function prepare(scheme: VersionScheme, events: readonly RangeEvent[]): PreparedRange {
  const tag = (events as Tagged)[PREPARED];
  if (tag?.scheme === scheme) return tag.range;
  if (!tag && Object.isExtensible(events)) {
    const range = prepareSlow(scheme, events);
    Object.defineProperty(events, PREPARED, { value: { scheme, range }, enumerable: false });
    return range;
  }
  let byScheme = prepared.get(events);
  if (!byScheme) prepared.set(events, (byScheme = new Map()));
  let range = byScheme.get(scheme);
  if (!range) byScheme.set(scheme, (range = prepareSlow(scheme, events)));
  return range;
}

function prepareSlow(scheme: VersionScheme, events: readonly RangeEvent[]): PreparedRange {
  const list: SortedEvent[] = [];
  const limits: string[] = [];
  for (const e of events) {
    if (e.introduced !== undefined)
      list.push({ kind: "introduced", version: e.introduced, zero: e.introduced === "0" });
    else if (e.fixed !== undefined) list.push({ kind: "fixed", version: e.fixed, zero: false });
    else if (e.last_affected !== undefined)
      list.push({ kind: "last_affected", version: e.last_affected, zero: false });
    else if (e.limit !== undefined) limits.push(e.limit);
  }
  for (const e of list) if (!e.zero) comparable(scheme, e.version); // fail early on bad data
  list.sort((a, b) => {
    if (a.zero || b.zero) return a.zero === b.zero ? 0 : a.zero ? -1 : 1;
    const c = scheme.compare(a.version, b.version);
    return c !== 0 ? c : KIND_ORDER[a.kind] - KIND_ORDER[b.kind];
  });
  return { events: list, limits };
}

/**
 * Throws unless `version` can be ordered by the scheme. This is `compare`'s notion of valid, which is
 * wider than `parse` for apk (apk-tools orders versions it would not install, and Alpine's secdb
 * has some, e.g. `1.18.-r2`).
 */
function comparable(scheme: VersionScheme, version: string): void {
  scheme.compare(version, version);
}

function beforeLimits(scheme: VersionScheme, version: string, limits: readonly string[]): boolean {
  if (limits.length === 0) return true;
  for (const l of limits) if (l.includes("*") || scheme.compare(version, l) < 0) return true;
  return false;
}

/** The scheme a range's events are ordered in: SEMVER ranges in SemVer 2.0 (Go's scheme for Go). */
function rangeScheme(scheme: VersionScheme, range: AffectedRange): VersionScheme {
  return range.type === "SEMVER" ? (scheme.name === "golang" ? scheme : semver2) : scheme;
}

/**
 * The evaluation's walk over a prepared (non-GIT) range: the index of the introduced event that turned
 * it on for the last time when `version` ends inside the range, else -1 (outside it, or not below any
 * limit). Throws when the version cannot be ordered.
 */
function lastOn(s: VersionScheme, version: string, { events, limits }: PreparedRange): number {
  comparable(s, version);
  if (!beforeLimits(s, version, limits)) return -1;
  let from = -1;
  for (let i = 0; i < events.length; i++) {
    const e = events[i]!;
    if (e.kind === "introduced") {
      if (from < 0 && (e.zero || s.compare(version, e.version) >= 0)) from = i;
    } else if (e.kind === "fixed") {
      if (s.compare(version, e.version) >= 0) from = -1;
    } else if (s.compare(version, e.version) > 0) from = -1;
  }
  return from;
}

/** Is `version` inside one OSV range? GIT ranges answer false. */
export function inRange(scheme: VersionScheme, version: string, range: AffectedRange): boolean {
  if (range.type === "GIT") return false;
  const s = rangeScheme(scheme, range);
  return lastOn(s, version, prepare(s, range.events)) >= 0;
}

/** The interval of a range that holds a version: its lower bound (absent for `introduced: "0"`) and its end. */
export interface RangeInterval {
  introduced?: string;
  fixed?: string;
  lastAffected?: string;
  /** The range's `limit` events other than `*` (the version is below one of them). */
  limits: readonly string[];
}

/**
 * The interval of `range` that holds `version`, by the same walk as `inRange`; undefined when the
 * version is outside the range (or the range is GIT). A range with several introduced events (Go's
 * `<1.24.13`, `>=1.25.0-0, <1.25.7` in one range) has several intervals: this is the one a report
 * should name. Its lower bound is the introduced event that turned the walk on for the last time, and
 * its end the first fixed or last_affected event after that one.
 */
export function rangeInterval(
  scheme: VersionScheme,
  version: string,
  range: AffectedRange,
): RangeInterval | undefined {
  if (range.type === "GIT") return undefined;
  const s = rangeScheme(scheme, range);
  const prepared = prepare(s, range.events);
  const from = lastOn(s, version, prepared);
  if (from < 0) return undefined;
  const { events, limits } = prepared;
  const start = events[from]!;
  const out: RangeInterval = { limits: limits.filter((l) => !l.includes("*")) };
  if (!start.zero) out.introduced = start.version;
  for (let i = from + 1; i < events.length; i++) {
    const e = events[i]!;
    if (e.kind === "fixed") {
      out.fixed = e.version;
      break;
    }
    if (e.kind === "last_affected") {
      out.lastAffected = e.version;
      break;
    }
  }
  return out;
}

/** An explicit version list, prepared per scheme: its strings, and the equality keys of its valid versions. */
interface PreparedList {
  readonly strings: ReadonlySet<string>;
  readonly keys: ReadonlySet<string>;
}
/**
 * Per list and scheme: the prepared sets, or how often the list was scanned so far. As with ranges, the
 * first scheme's state rides on the list itself (a symbol), and the WeakMap holds only the rest.
 */
const preparedLists = new WeakMap<readonly string[], Map<VersionScheme, PreparedList | number>>();
const LIST_STATE = Symbol("vigil.preparedList");
type TaggedList = readonly string[] & {
  [LIST_STATE]?: { readonly scheme: VersionScheme; state: PreparedList | number };
};

/**
 * The list's sets, built on its second use: a list looked up once (a cold run) is cheaper to scan
 * than to turn into sets; one looked up again (several images, a service re-matching) pays off.
 */
function preparedList(scheme: VersionScheme, versions: readonly string[]): PreparedList | undefined {
  if (!scheme.equalityKey) return undefined;
  const tag = (versions as TaggedList)[LIST_STATE];
  if (tag?.scheme === scheme) {
    if (typeof tag.state !== "number") return tag.state;
    const list = tag.state < 1 ? undefined : buildList(scheme, versions);
    tag.state = list ?? tag.state + 1;
    return list;
  }
  if (!tag && Object.isExtensible(versions)) {
    Object.defineProperty(versions, LIST_STATE, { value: { scheme, state: 1 }, enumerable: false });
    return undefined;
  }
  let byScheme = preparedLists.get(versions);
  if (!byScheme) preparedLists.set(versions, (byScheme = new Map()));
  const seen = byScheme.get(scheme);
  if (seen !== undefined && typeof seen !== "number") return seen;
  const list = (seen ?? 0) < 1 ? undefined : buildList(scheme, versions);
  byScheme.set(scheme, list ?? (seen ?? 0) + 1);
  return list;
}

function buildList(scheme: VersionScheme, versions: readonly string[]): PreparedList {
  const keys = new Set<string>();
  for (const listed of versions) if (scheme.isValid(listed)) keys.add(scheme.equalityKey!(listed));
  return { strings: new Set(versions), keys };
}

/**
 * OSV `IsVulnerable` for one affected entry: the explicit `versions` list (equal by the scheme,
 * or by string when a listed version does not parse) or any range. With a scheme that has equality
 * keys, a list used again is looked up in sets (PyPI records list every affected version, hundreds at
 * times).
 */
export function isAffected(
  scheme: VersionScheme,
  version: string,
  ranges: readonly AffectedRange[],
  versions?: readonly string[],
): boolean {
  for (const r of ranges) if (inRange(scheme, version, r)) return true;
  if (versions && versions.length > 0) {
    const list = preparedList(scheme, versions);
    if (list) {
      if (list.strings.has(version)) return true;
      comparable(scheme, version);
      return list.keys.has(scheme.equalityKey!(version));
    }
    if (versions.includes(version)) return true;
    comparable(scheme, version);
    for (const listed of versions) {
      if (scheme.isValid(listed) && scheme.compare(version, listed) === 0) return true;
    }
  }
  return false;
}

/** npm-style range membership (`^1.2.0 || >=2 <3`) with node-semver semantics. */
export function satisfiesNpmRange(
  version: string,
  range: string,
  options: SemverOptions = { loose: true },
): boolean {
  return npmSatisfies(version, range, options);
}
