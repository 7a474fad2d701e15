/** Percentiles, ratios and the plain-text tables the bench prints; pure functions only. */

/** Nearest-rank percentile of an ascending array; null when empty. */
export function percentile(sorted, p) {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

/** p50, p99 and max of a list of milliseconds. */
export function summarize(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return {
    count: sorted.length,
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    max: sorted.at(-1) ?? null,
  };
}

/** `n` with `digits` decimals and thousands separators; `-` for a missing figure. */
export function fixed(n, digits = 2) {
  if (n === null || n === undefined || Number.isNaN(n)) return "-";
  return Number(n).toLocaleString("en-US", {
    minimumFractionDigits: digits,
    maximumFractionDigits: digits,
  });
}

/** `a / b` as `1.23x`; `-` when either is missing or b is 0. */
export function ratio(a, b) {
  if (a == null || b == null || b === 0) return "-";
  return `${fixed(a / b)}x`;
}

/** A share of one core as a percentage. */
export function percent(share) {
  return share == null ? "-" : `${fixed(100 * share, 0)}%`;
}

/** A Markdown table, columns padded so it also reads as plain text. */
export function table(headers, rows) {
  const cells = [headers, ...rows].map((row) => row.map((cell) => String(cell ?? "")));
  const widths = headers.map((_, column) =>
    Math.max(3, ...cells.map((row) => (row[column] ?? "").length)),
  );
  const line = (row) =>
    `| ${row.map((cell, column) => (cell ?? "").padEnd(widths[column])).join(" | ")} |`;
  return [
    line(cells[0]),
    `| ${widths.map((width) => "-".repeat(width)).join(" | ")} |`,
    ...cells.slice(1).map(line),
  ].join("\n");
}
