// Options shared by every chart of a page, kept in the URL so a link shows the same view:
// `log=1` (log-scale y), `smooth=0.6` (EMA weight), `x=time|relative` (compare page's x axis).

export type XAxis = "step" | "time" | "relative";

export interface ChartSettings {
  logScale: boolean;
  /** The EMA weight of the previous value, 0 (off) to 0.99. */
  smoothing: number;
  xAxis: XAxis;
}

export const MAX_SMOOTHING = 0.99;

export function readChartSettings(search: URLSearchParams): ChartSettings {
  const smooth = Number(search.get("smooth"));
  const x = search.get("x");
  return {
    logScale: search.get("log") === "1",
    smoothing: Number.isFinite(smooth) ? Math.min(MAX_SMOOTHING, Math.max(0, smooth)) : 0,
    xAxis: x === "time" || x === "relative" ? x : "step",
  };
}

/** The query parameters for `settings`; defaults are left out of the URL. */
export function chartSettingsParams(settings: ChartSettings): Record<string, string | null> {
  return {
    log: settings.logScale ? "1" : null,
    smooth: settings.smoothing > 0 ? String(settings.smoothing) : null,
    x: settings.xAxis === "step" ? null : settings.xAxis,
  };
}

/**
 * Exponential moving average, debiased as TensorBoard does so the first values are not pulled
 * toward zero. Gaps (null, NaN, ±∞) stay gaps and do not move the average.
 */
export function ema(values: readonly (number | null | undefined)[], weight: number): (number | null)[] {
  if (weight <= 0) return values.map((v) => (v === undefined ? null : v));
  let last = 0;
  let count = 0;
  return values.map((value) => {
    if (value === null || value === undefined || !Number.isFinite(value)) return null;
    last = last * weight + (1 - weight) * value;
    count += 1;
    return last / (1 - weight ** count);
  });
}

/** A log axis cannot place zero or negatives: they become gaps. */
export function forLogScale(values: readonly (number | null | undefined)[]): (number | null)[] {
  return values.map((v) => (v === null || v === undefined || !(v > 0) ? null : v));
}

/** Seconds as a short duration for a relative-time axis: 45s, 12m 5s, 3h 20m. */
export function formatSeconds(seconds: number): string {
  const sign = seconds < 0 ? "−" : "";
  const s = Math.abs(seconds);
  if (s < 60) return `${sign}${Number(s.toPrecision(3))}s`;
  if (s < 3600) return `${sign}${Math.floor(s / 60)}m${s % 60 >= 1 ? ` ${Math.floor(s % 60)}s` : ""}`;
  if (s < 172_800) return `${sign}${Math.floor(s / 3600)}h${s % 3600 >= 60 ? ` ${Math.floor((s % 3600) / 60)}m` : ""}`;
  return `${sign}${Math.floor(s / 86_400)}d ${Math.floor((s % 86_400) / 3600)}h`;
}
