/** The feed list (one entry per feed file; order matters for detection: specific sniffers first). */
import { alpineFeed } from "./alpine.js";
import { debianListFeed, debianTrackerFeed } from "./debian.js";
import { epssFeed } from "./epss.js";
import { expandSource } from "./input.js";
import { kevFeed } from "./kev.js";
import { nvdFeed } from "./nvd.js";
import { osvFeed } from "./osv.js";
import type { Feed, FeedFile, FeedItem } from "./types.js";

export const FEEDS: readonly Feed[] = [
  debianTrackerFeed,
  debianListFeed,
  nvdFeed,
  kevFeed,
  epssFeed,
  alpineFeed,
  osvFeed,
];

export function feedByName(name: string): Feed | undefined {
  return FEEDS.find((f) => f.name === name);
}

/** The feed that recognises a file, if any. */
export function detectFeed(file: FeedFile): Feed | undefined {
  return FEEDS.find((f) => f.detect(file));
}

export { expandBuffer, expandSource, INPUT_LIMITS } from "./input.js";
export type { Feed, FeedContext, FeedFile, FeedItem } from "./types.js";
export { isAdvisory, isEpss, isKev } from "./types.js";

/** Parses every recognised file of a source (used by tests and tools; the builder adds stats and limits). */
export async function parseSource(
  path: string,
  opts: { feed?: string; skipped?: string[] } = {},
): Promise<FeedItem[]> {
  const forced = opts.feed ? feedByName(opts.feed) : undefined;
  const skipped = opts.skipped ?? [];
  const ctx = { skip: (name: string, reason: string) => void skipped.push(`${name}: ${reason}`) };
  const out: FeedItem[] = [];
  for await (const file of expandSource(path, ctx)) {
    const feed = forced ?? detectFeed(file);
    if (!feed) continue;
    for await (const item of feed.parse(file, ctx)) out.push(item);
  }
  return out;
}
