// How numbers, times and durations read in tables and headings.

export function formatNumber(value: number | null | undefined): string {
  if (value === null || value === undefined) return "";
  if (Number.isNaN(value)) return "NaN";
  if (!Number.isFinite(value)) return value > 0 ? "∞" : "−∞";
  if (Number.isInteger(value) && Math.abs(value) < 1e15) return value.toLocaleString("en-US");
  const abs = Math.abs(value);
  if (abs !== 0 && (abs < 1e-4 || abs >= 1e9)) return value.toExponential(4);
  return String(Number(value.toPrecision(6)));
}

export function formatTime(ms: number | null | undefined): string {
  if (!ms) return "";
  const date = new Date(ms);
  const pad = (n: number) => String(n).padStart(2, "0");
  return (
    `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ` +
    `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`
  );
}

export function formatDuration(startMs?: number, endMs?: number): string {
  if (!startMs || !endMs || endMs < startMs) return "";
  const seconds = (endMs - startMs) / 1000;
  if (seconds < 60) return `${seconds.toFixed(seconds < 10 ? 1 : 0)}s`;
  const minutes = seconds / 60;
  if (minutes < 60) return `${Math.floor(minutes)}m ${Math.round(seconds % 60)}s`;
  const hours = minutes / 60;
  if (hours < 48) return `${Math.floor(hours)}h ${Math.round(minutes % 60)}m`;
  return `${Math.floor(hours / 24)}d ${Math.round(hours % 24)}h`;
}

export function plural(count: number, one: string, many = `${one}s`): string {
  return `${count.toLocaleString("en-US")} ${count === 1 ? one : many}`;
}

const compact = new Intl.NumberFormat("en-US", { notation: "compact", maximumFractionDigits: 1 });

/** Axis ticks: short enough that neighbours never touch (120k, 1.5M, 0.0125). */
export function formatTick(value: number): string {
  const abs = Math.abs(value);
  if (abs >= 10_000) return compact.format(value);
  if (abs !== 0 && abs < 1e-3) return value.toExponential(1);
  return String(Number(value.toPrecision(4)));
}

/** uPlot's tick labels: a log axis hands over null for the ticks it leaves unlabelled. */
export function formatTicks(splits: readonly (number | null)[]): string[] {
  return splits.map((value) => (value === null || value === undefined ? "" : formatTick(value)));
}
