/** `vigil recommendations` renderers: Scout's "Recommended fixes" text and a JSON form. */
import type { Recommendation, RecommendationResult } from "../baseimage/recommend.js";
import { deltaCells } from "./delta.js";
import { countCells, humanSize, oneLine } from "./text.js";

function age(iso: string | undefined, now: Date): string {
  if (!iso) return "";
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return "";
  const days = Math.floor((now.getTime() - t) / 86_400_000);
  if (days < 1) return "today";
  if (days < 14) return `${days} day${days === 1 ? "" : "s"} ago`;
  if (days < 60) return `${Math.floor(days / 7)} weeks ago`;
  if (days < 730) return `${Math.floor(days / 30)} months ago`;
  return `${Math.floor(days / 365)} years ago`;
}

function table(rows: Recommendation[], showU: boolean, now: Date): string[] {
  const lines: string[] = [];
  const w0 = Math.max(
    18,
    ...rows.map((r) => r.tag.length + 3),
    ...rows.map((r) => (r.reasons[0] ?? "").length + 2),
  );
  const w1 = Math.max(40, ...rows.flatMap((r) => r.reasons.map((x) => x.length + 4)));
  const header = `  ${"Tag".padEnd(w0)}│ ${"Details".padEnd(w1)}│ ${"Pushed".padEnd(13)}│ Vulnerabilities`;
  lines.push(header);
  lines.push(`${"─".repeat(w0 + 2)}┼${"─".repeat(w1 + 1)}┼${"─".repeat(14)}┼${"─".repeat(32)}`);
  for (const r of rows) {
    const left = [`  ${oneLine(r.tag, 60)}`, r.reasons[0] ?? ""];
    const details = ["Benefits:", ...r.reasons.map((x) => `• ${x}`), "", "Image details:"];
    if (r.summary.size !== undefined) details.push(`• Size: ${humanSize(r.summary.size)}`);
    if (r.summary.os) details.push(`• OS: ${oneLine(r.summary.os, 40)}`);
    details.push(`• Packages: ${r.summary.packages}`);
    const right = [countCells(r.summary.counts, showU), deltaCells(r.delta, showU)];
    const n = Math.max(left.length, details.length, right.length);
    for (let i = 0; i < n; i++) {
      lines.push(
        ` ${(left[i] ?? "").padEnd(w0)} │ ${(details[i] ?? "").padEnd(w1 - 1)} │ ${(i === 0 ? age(r.summary.created, now) : "").padEnd(12)} │ ${right[i] ?? ""}`,
      );
    }
    lines.push(` ${"".padEnd(w0)} │ ${"".padEnd(w1 - 1)} │ ${"".padEnd(12)} │`);
  }
  return lines;
}

export function renderRecommendationsText(
  target: string,
  r: RecommendationResult,
  opts: { onlyRefresh?: boolean; onlyUpdate?: boolean; now?: Date } = {},
): string {
  const now = opts.now ?? new Date();
  const b = r.baseSummary;
  const showU = [b, r.refresh?.summary, ...r.updates.map((u) => u.summary)].some(
    (s) => (s?.counts.unspecified ?? 0) > 0,
  );
  const out: string[] = ["", `Recommended fixes for image  ${oneLine(target, 120)}`, ""];
  out.push(`  Base image is  ${oneLine(r.base.reference, 120)}`);
  if (r.base.method === "layer-chain") {
    out.push("");
    out.push(
      "    i Base image was auto-detected. To get more accurate recommendations, build images with provenance attestations.",
    );
    out.push(
      "      Alternatively, use  vigil recommendations --tag <base image tag>  to pass a specific base image tag.",
    );
  }
  out.push("");
  const rows: [string, string][] = [
    ["Name", oneLine(r.base.reference, 100)],
    ["Digest", b.digest ?? r.base.digest ?? ""],
    ["Vulnerabilities", countCells(b.counts, showU)],
  ];
  if (b.created) rows.push(["Pushed", age(b.created, now)]);
  if (b.size !== undefined) rows.push(["Size", humanSize(b.size)]);
  rows.push(["Packages", String(b.packages)]);
  if (b.os) rows.push(["OS", oneLine(b.os, 40)]);
  for (const [k, v] of rows) out.push(`  ${k.padEnd(16)}│ ${v}`);
  if (r.base.alternatives.length > 0) {
    out.push("");
    out.push(
      `  │ The base image is also available under the supported tag(s) ${r.base.alternatives.map((t) => oneLine(t, 80)).join(", ")}.`,
    );
    out.push("  │ To see recommendations for a different tag, re-run the command with the --tag flag.");
  }
  if (!opts.onlyUpdate) {
    out.push("", "", "Refresh base image");
    out.push(
      "  Rebuild the image using a newer base image version. Updating this may result in breaking changes.",
      "",
    );
    if (r.refresh) out.push(...table([r.refresh], showU, now));
    else if (r.upToDate) out.push("  ✓ This image version is up to date.");
    else out.push("  ? Could not check whether the base image tag points to a newer image.");
  }
  if (!opts.onlyRefresh) {
    out.push("", "", "Change base image");
    out.push(
      "  The list displays new recommended tags in descending order, where the top results are rated as most suitable.",
      "",
    );
    if (r.updates.length > 0) out.push(...table(r.updates, showU, now));
    else out.push("  ✓ No other tag of this base image has fewer vulnerabilities or is newer.");
  }
  for (const s of r.skipped) out.push("", `  ! ${oneLine(s.tag, 60)} skipped: ${oneLine(s.reason, 200)}`);
  return `${out.join("\n")}\n`;
}

export function renderRecommendationsJson(target: string, r: RecommendationResult): string {
  return `${JSON.stringify(
    {
      target,
      base: { ...r.base, summary: r.baseSummary },
      refresh: r.refresh ?? null,
      upToDate: r.upToDate ?? null,
      updates: r.updates,
      skipped: r.skipped,
    },
    null,
    2,
  )}\n`;
}
