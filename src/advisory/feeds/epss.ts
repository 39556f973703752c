/** FIRST EPSS daily CSV (`#model_version:…,score_date:…` comment, then `cve,epss,percentile`), plain or gzipped. */
import type { EpssEntry } from "../types.js";
import type { Feed, FeedFile } from "./types.js";

export function detectEpss(file: FeedFile): boolean {
  if (!/\.csv$/i.test(file.name) && /\.[a-z]+$/i.test(file.name)) return false;
  const head = file.data.subarray(0, 512).toString("utf8");
  return /^#model_version/m.test(head) || /^cve,epss,percentile/m.test(head);
}

export const epssFeed: Feed = {
  name: "epss",
  detect: detectEpss,
  async *parse(file, ctx) {
    const lines = file.data.toString("utf8").split(/\r?\n/);
    let date: string | undefined;
    let header = false;
    const out: EpssEntry[] = [];
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i]!.trim();
      if (!line) continue;
      if (line.startsWith("#")) {
        const m = /score_date:(\d{4}-\d{2}-\d{2})/.exec(line);
        if (m) date = m[1];
        continue;
      }
      if (!header) {
        if (!/^cve,epss,percentile$/i.test(line)) {
          ctx.skip(file.name, `unexpected EPSS header "${line.slice(0, 60)}"`);
          return;
        }
        header = true;
        continue;
      }
      const [cve, score, pct] = line.split(",");
      const s = Number(score);
      const p = Number(pct);
      if (!cve || !/^CVE-\d{4}-\d+$/.test(cve) || !(s >= 0 && s <= 1) || !(p >= 0 && p <= 1)) {
        ctx.skip(`${file.name}:${i + 1}`, `malformed EPSS row "${line.slice(0, 60)}"`);
        continue;
      }
      const e: EpssEntry = { cveId: cve, score: s, percentile: p };
      if (date) e.date = date;
      out.push(e);
    }
    yield* out;
  },
};
