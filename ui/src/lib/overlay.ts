// Metric histories of several runs on one chart: each run's points placed on the chosen x axis
// (step, wall time, time since the run started), smoothed or made log-safe, then aligned on one
// shared x array as uPlot wants (`undefined` where a run has no point at that x).
import { toNumber, type Metric } from "../api/types";
import { ema, forLogScale, type ChartSettings, type XAxis } from "./chartSettings";

export interface RunSeries {
  runId: string;
  x: number[];
  y: (number | null)[];
}

/** x for a point: steps as they are; times in seconds (uPlot's time unit), relative to the run's start. */
function xOf(metric: Metric, axis: XAxis, start: number): number {
  if (axis === "step") return metric.step;
  if (axis === "time") return metric.timestamp / 1000;
  return (metric.timestamp - start) / 1000;
}

/**
 * One series per run, in `runIds` order, sorted by x; of several points at one x the last logged wins.
 * `startTimes` are the runs' start times (ms) for the relative axis; a point logged before its run's
 * start moves the origin back to it, so relative times are never negative.
 */
export function seriesFromHistory(
  metrics: readonly Metric[],
  runIds: readonly string[],
  axis: XAxis,
  startTimes: ReadonlyMap<string, number> = new Map(),
): RunSeries[] {
  const byRun = new Map<string, Metric[]>(runIds.map((id) => [id, []]));
  for (const metric of metrics) if (metric.run_id) byRun.get(metric.run_id)?.push(metric);
  return runIds.map((runId) => {
    const points = byRun.get(runId) ?? [];
    // From the run's start, or from its first point if that came earlier (histories imported later).
    const first = points.reduce((min, p) => Math.min(min, p.timestamp), Number.POSITIVE_INFINITY);
    const start = Math.min(startTimes.get(runId) ?? first, first);
    const atX = new Map<number, number | null>();
    for (const point of [...points].sort((a, b) => a.step - b.step || a.timestamp - b.timestamp)) {
      const value = toNumber(point.value);
      atX.set(xOf(point, axis, start), value !== null && Number.isFinite(value) ? value : null);
    }
    const x = [...atX.keys()].sort((a, b) => a - b);
    return { runId, x, y: x.map((key) => atX.get(key) ?? null) };
  });
}

/** Smoothing and log scale, applied to each run's own points before alignment. */
export function styleSeries(series: readonly RunSeries[], settings: Pick<ChartSettings, "logScale" | "smoothing">): RunSeries[] {
  return series.map((s) => {
    let y = s.y;
    if (settings.logScale) y = forLogScale(y);
    if (settings.smoothing > 0) y = ema(y, settings.smoothing);
    return { ...s, y };
  });
}

export type Aligned = [number[], ...(number | null | undefined)[][]];

/** uPlot's aligned data: the union of every x, each run's y at those x (undefined where it has none). */
export function alignSeries(series: readonly RunSeries[]): Aligned {
  const xs = [...new Set(series.flatMap((s) => s.x))].sort((a, b) => a - b);
  const index = new Map(xs.map((x, i) => [x, i]));
  const columns = series.map((s) => {
    const column: (number | null | undefined)[] = new Array<number | null | undefined>(xs.length).fill(undefined);
    s.x.forEach((x, i) => {
      column[index.get(x) ?? 0] = s.y[i] ?? null;
    });
    return column;
  });
  return [xs, ...columns];
}
