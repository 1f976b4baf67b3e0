/**
 * The CLI's plain-text tables (demo, reproduce).
 */
/** A plain-text table with right-aligned columns. */
export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, j) => Math.max(h.length, ...rows.map((r) => r[j]!.length)));
  const line = (cells: string[]): string => cells.map((c, j) => c.padStart(widths[j]!)).join("  ") + "\n";
  return line(header) + line(widths.map((w) => "-".repeat(w))) + rows.map(line).join("");
}
