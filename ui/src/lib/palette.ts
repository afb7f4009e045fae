// One colour per compared run, the same on every chart, the scatter, parallel coordinates and the
// diff table's headers. Ten distinct hues, then they repeat.
export const PALETTE = [
  "#1d4ed8", // blue
  "#ea580c", // orange
  "#059669", // green
  "#dc2626", // red
  "#7c3aed", // violet
  "#a16207", // ochre
  "#db2777", // pink
  "#475569", // slate
  "#65a30d", // lime
  "#0891b2", // cyan
] as const;

export function colorOf(index: number): string {
  return PALETTE[index % PALETTE.length] ?? PALETTE[0];
}
