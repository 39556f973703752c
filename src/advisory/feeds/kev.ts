/** CISA Known Exploited Vulnerabilities catalog (JSON, optionally gzipped). */
import type { KevEntry } from "../types.js";
import { cleanId, cleanText, isObject, jsonDocument } from "./text.js";
import type { Feed, FeedFile, FeedItem } from "./types.js";

export function detectKev(file: FeedFile): boolean {
  if (!/\.json$/i.test(file.name) && /\.[a-z]+$/i.test(file.name)) return false;
  const head = file.data.subarray(0, 8192).toString("utf8");
  return /"catalogVersion"\s*:/.test(head) || (/"cveID"\s*:/.test(head) && /"dateAdded"\s*:/.test(head));
}

export const kevFeed: Feed = {
  name: "kev",
  detect: detectKev,
  async *parse(file, ctx) {
    const doc = jsonDocument(file.data, file.name, (n, r) => ctx.skip(n, r));
    if (doc === undefined) return;
    const list =
      isObject(doc) && Array.isArray(doc.vulnerabilities) ? doc.vulnerabilities : isObject(doc) ? [doc] : [];
    const out: FeedItem[] = [];
    for (const [i, v] of list.entries()) {
      const cveId = isObject(v) ? cleanId(v.cveID, 64) : undefined;
      const dateAdded = isObject(v) ? cleanId(v.dateAdded, 32) : undefined;
      if (!isObject(v) || !cveId || !/^CVE-\d{4}-\d+$/.test(cveId) || !dateAdded) {
        ctx.skip(`${file.name}#vulnerabilities[${i}]`, "entry without a valid cveID and dateAdded");
        continue;
      }
      const e: KevEntry = { cveId, dateAdded };
      const due = cleanId(v.dueDate, 32);
      if (due) e.dueDate = due;
      const vendor = cleanId(v.vendorProject, 256);
      if (vendor) e.vendor = vendor;
      const product = cleanId(v.product, 256);
      if (product) e.product = product;
      const rw = cleanId(v.knownRansomwareCampaignUse, 64);
      if (rw) e.knownRansomwareCampaignUse = rw;
      const d = cleanText(v.shortDescription, 4096);
      if (d) e.shortDescription = d;
      out.push(e);
    }
    yield* out;
  },
};
