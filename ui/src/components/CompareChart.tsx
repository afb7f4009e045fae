// One metric of several runs overlaid on a uPlot chart, a line per run in its colour, from MLflow's
// get-history-bulk-interval (evenly sampled points, first and last kept). The x axis is the step,
// the wall time or the time since each run started. Dragging zooms: on steps the visible range is
// fetched again in full detail, on times the chart zooms in place; double-click zooms out.
import { useEffect, useMemo, useRef, useState } from "react";
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";
import { ApiError, isAbort } from "../api/client";
import { getMetricHistoryBulkInterval } from "../api/mlflow";
import type { Metric } from "../api/types";
import { formatSeconds, type ChartSettings } from "../lib/chartSettings";
import { hoverPlugin, type DescribeHover } from "../lib/chartHover";
import type { CompareRun } from "../lib/compareRuns";
import { formatNumber, formatTicks, formatTime } from "../lib/format";
import { alignSeries, seriesFromHistory, styleSeries } from "../lib/overlay";
import { useElementWidth } from "../lib/useElementWidth";

/** get-history-bulk-interval takes at most 100 runs a call. */
const RUNS_PER_CALL = 100;
const MARKER_LIMIT = 60;

type Range = { start: number; end: number };

export interface CompareChartProps {
  runs: readonly CompareRun[];
  metricKey: string;
  settings: ChartSettings;
  height?: number;
}

/** Points per run: fewer as runs are added, so an overlay of many stays light. */
export function pointsPerRun(runCount: number): number {
  return Math.max(200, Math.min(1000, Math.round(20_000 / Math.max(1, runCount))));
}

async function fetchHistory(runIds: readonly string[], metricKey: string, range: Range | null, signal: AbortSignal): Promise<Metric[]> {
  const chunks: string[][] = [];
  for (let i = 0; i < runIds.length; i += RUNS_PER_CALL) chunks.push(runIds.slice(i, i + RUNS_PER_CALL));
  const maxResults = pointsPerRun(runIds.length);
  const pages = await Promise.all(
    chunks.map((chunk) =>
      getMetricHistoryBulkInterval({ runIds: chunk, metricKey, maxResults, startStep: range?.start, endStep: range?.end }, signal),
    ),
  );
  return pages.flatMap((page) => page.metrics ?? []);
}

function nearestDefined(values: ArrayLike<number | null | undefined>, index: number, reach = 64): number | null {
  for (let d = 0; d <= reach; d++) {
    const left = values[index - d];
    if (left !== undefined && left !== null) return left;
    const right = values[index + d];
    if (right !== undefined && right !== null) return right;
  }
  return null;
}

function xLabel(axis: ChartSettings["xAxis"], x: number): string {
  if (axis === "time") return formatTime(x * 1000);
  if (axis === "relative") return formatSeconds(x);
  return `step ${formatNumber(x)}`;
}

export function CompareChart({ runs, metricKey, settings, height = 240 }: CompareChartProps) {
  const boxRef = useRef<HTMLDivElement>(null);
  const hoverRef = useRef<HTMLParagraphElement>(null);
  const plotRef = useRef<uPlot | null>(null);
  const lookRef = useRef("");
  const width = Math.max(240, useElementWidth(boxRef, 600));
  const [range, setRange] = useState<Range | null>(null);
  const [zoomedInPlace, setZoomedInPlace] = useState(false);
  const [history, setHistory] = useState<Metric[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const { xAxis, logScale, smoothing } = settings;
  const runIds = useMemo(() => runs.map((r) => r.run.info.run_id), [runs]);
  const runKey = runIds.join(",");

  // A new x axis starts from the whole history.
  useEffect(() => {
    setRange(null);
    setZoomedInPlace(false);
  }, [xAxis]);

  const startStep = range?.start;
  const endStep = range?.end;
  useEffect(() => {
    const controller = new AbortController();
    setLoading(true);
    const ids = runKey.split(",");
    const bounds = startStep !== undefined && endStep !== undefined ? { start: startStep, end: endStep } : null;
    fetchHistory(ids, metricKey, bounds, controller.signal)
      .then((metrics) => {
        setHistory(metrics);
        setError(null);
        setLoading(false);
      })
      .catch((cause: unknown) => {
        if (isAbort(cause)) return;
        setError(cause instanceof ApiError ? cause.message : String(cause));
        setLoading(false);
      });
    return () => controller.abort();
  }, [runKey, metricKey, startStep, endStep]);

  const data = useMemo(() => {
    if (!history) return null;
    const starts = new Map(runs.flatMap((r) => (r.run.info.start_time ? [[r.run.info.run_id, r.run.info.start_time] as const] : [])));
    return alignSeries(styleSeries(seriesFromHistory(history, runIds, xAxis, starts), { logScale, smoothing }));
  }, [history, runs, runIds, xAxis, logScale, smoothing]);

  const handlers = useRef({ select: (_r: Range) => {}, reset: () => {} });
  handlers.current = {
    select: (r) => {
      if (xAxis === "step") setRange({ start: Math.floor(r.start), end: Math.ceil(r.end) });
      else {
        plotRef.current?.setScale("x", { min: r.start, max: r.end });
        setZoomedInPlace(true);
      }
    },
    reset: () => {
      setRange(null);
      setZoomedInPlace(false);
      const plot = plotRef.current;
      if (plot && data) plot.setData(data as uPlot.AlignedData, true);
    },
  };

  useEffect(() => {
    const box = boxRef.current;
    if (!box || !data) return;
    const look = JSON.stringify({ logScale, xAxis, height, series: runs.map((r) => [r.name, r.color]) });
    if (plotRef.current && lookRef.current !== look) {
      plotRef.current.destroy();
      plotRef.current = null;
    }
    lookRef.current = look;
    if (plotRef.current) {
      plotRef.current.setData(data as uPlot.AlignedData, true);
      return;
    }
    const describe: DescribeHover = (u, index) => {
      const x = u.data[0][index];
      if (x === undefined) return null;
      const items = runs.flatMap((run, i) => {
        const value = nearestDefined(u.data[i + 1] ?? [], index);
        return value === null ? [] : [{ label: run.name, value: formatNumber(value), color: run.color }];
      });
      return { x: xLabel(xAxis, x), items };
    };
    const showMarkers: uPlot.Series.Points.Show = (_u, _s, first, last) => last - first < MARKER_LIMIT;
    const options: uPlot.Options = {
      width,
      height,
      plugins: [hoverPlugin(() => hoverRef.current, describe)],
      scales: { x: { time: xAxis === "time" }, y: logScale ? { distr: 3 } : {} },
      legend: { show: false },
      cursor: {
        drag: { x: true, y: false, setScale: false },
        bind: {
          dblclick: () => () => {
            handlers.current.reset();
            return null;
          },
        },
      },
      axes: [
        {
          label: xAxis === "step" ? "step" : xAxis === "time" ? "wall time" : "time since start",
          labelSize: 18,
          size: 36,
          space: xAxis === "step" ? 60 : 90,
          ...(xAxis === "time"
            ? {}
            : { values: (_u: uPlot, splits: number[]) => (xAxis === "relative" ? splits.map(formatSeconds) : formatTicks(splits)) }),
        },
        { size: 56, values: (_u, splits) => formatTicks(splits) },
      ],
      series: [{ label: xAxis }, ...runs.map((run) => ({ label: run.name, stroke: run.color, width: 1.5, spanGaps: true, points: { show: showMarkers, fill: run.color } }))],
      hooks: {
        setSelect: [
          (u) => {
            if (u.select.width < 3) return;
            const start = u.posToVal(u.select.left, "x");
            const end = u.posToVal(u.select.left + u.select.width, "x");
            u.setSelect({ left: 0, top: 0, width: 0, height: 0 }, false);
            if (end > start) handlers.current.select({ start, end });
          },
        ],
      },
    };
    plotRef.current = new uPlot(options, data as uPlot.AlignedData, box);
  }, [data, runs, xAxis, logScale, height, width]);

  useEffect(() => {
    plotRef.current?.setSize({ width, height });
  }, [width, height]);

  useEffect(
    () => () => {
      plotRef.current?.destroy();
      plotRef.current = null;
    },
    [],
  );

  const total = history?.length ?? 0;
  const plotted = new Set(history?.map((m) => m.run_id)).size;
  const state = error ? "error" : loading || !history ? "loading" : "ready";
  const summary =
    state === "ready"
      ? total === 0
        ? "No points in this range."
        : `${plotted} of ${runs.length} runs · ${formatNumber(total)} points${range ? ` · steps ${formatNumber(range.start)}–${formatNumber(range.end)}` : ""}`
      : "";

  return (
    <figure className="metric-chart compare-chart" data-metric={metricKey} data-state={state} data-points={total} data-runs={plotted}>
      <figcaption>
        <span className="chart-title">{metricKey}</span>
        {(range || zoomedInPlace) && (
          <button type="button" className="secondary small" onClick={() => handlers.current.reset()}>
            Reset zoom
          </button>
        )}
      </figcaption>
      <div ref={boxRef} className="chart-box" role="img" aria-label={`Chart of ${metricKey} for ${runs.length} runs by ${xAxis}. ${summary}`} style={{ minHeight: height }}>
        {error && <p className="field-error chart-message">{error}</p>}
      </div>
      <p className="chart-summary muted" aria-live="polite">
        {state === "loading" ? "Loading…" : summary}
      </p>
      <p ref={hoverRef} className="hover-values muted" aria-hidden="true" />
    </figure>
  );
}
