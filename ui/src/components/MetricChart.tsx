// One metric of one run as a uPlot chart fed by keel's min/max buckets: about one bucket per
// pixel, so a million-point history draws from ~1,000 numbers and still shows every spike.
// Drag across the chart to zoom (the visible steps are fetched again in full detail);
// double-click or "Reset zoom" to go back.
import { useEffect, useRef, useState } from "react";
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";
import { ApiError, isAbort } from "../api/client";
import { getDownsampledHistory } from "../api/mlflow";
import { toNumber, type DownsampledHistory, type WireDouble } from "../api/types";
import { formatNumber, formatTick } from "../lib/format";

export interface MetricChartProps {
  runId: string;
  metricKey: string;
  /** Changes when the run logged more points (live runs): the chart refetches unless zoomed. */
  version?: number | string;
  height?: number;
}

type StepRange = { start: number; end: number };

const LINE = "#1d4ed8";
const BAND = "rgba(29, 78, 216, 0.35)";
const MIN_BUCKETS = 100;
const MAX_BUCKETS = 2000;
/** Fewer visible points than this get a marker each, so a short history is not a bare line. */
const MARKER_LIMIT = 60;
const showMarkers: uPlot.Series.Points.Show = (_u, _series, first, last) => last - first < MARKER_LIMIT;

function finite(value: WireDouble | null): number | null {
  const number = toNumber(value);
  return number !== null && Number.isFinite(number) ? number : null;
}

export function toPlotData(history: DownsampledHistory): uPlot.AlignedData {
  const { buckets } = history;
  return [buckets.first_step, buckets.min.map(finite), buckets.max.map(finite)];
}

function bucketsFor(width: number): number {
  return Math.max(MIN_BUCKETS, Math.min(MAX_BUCKETS, Math.round(width)));
}

function plotOptions(width: number, height: number, label: string, handlers: { zoom: (range: StepRange) => void; reset: () => void }): uPlot.Options {
  return {
    width,
    height,
    scales: { x: { time: false } },
    legend: { show: false },
    cursor: {
      drag: { x: true, y: false, setScale: false },
      bind: {
        dblclick: () => () => {
          handlers.reset();
          return null;
        },
      },
    },
    axes: [
      { label: "step", labelSize: 18, size: 36, space: 60, values: (_u, splits) => splits.map(formatTick) },
      { size: 56, values: (_u, splits) => splits.map(formatTick) },
    ],
    series: [
      { label: "step" },
      { label: `${label} (min)`, stroke: LINE, width: 1.25, points: { show: showMarkers, fill: LINE } },
      { label: `${label} (max)`, stroke: LINE, width: 1.25, points: { show: showMarkers, fill: LINE } },
    ],
    bands: [{ series: [2, 1], fill: BAND }],
    hooks: {
      setSelect: [
        (u) => {
          if (u.select.width < 3) return;
          const start = Math.floor(u.posToVal(u.select.left, "x"));
          const end = Math.ceil(u.posToVal(u.select.left + u.select.width, "x"));
          u.setSelect({ left: 0, top: 0, width: 0, height: 0 }, false);
          if (end > start) handlers.zoom({ start, end });
        },
      ],
    },
  };
}

export function MetricChart({ runId, metricKey, version, height = 200 }: MetricChartProps) {
  const boxRef = useRef<HTMLDivElement>(null);
  const plotRef = useRef<uPlot | null>(null);
  const [width, setWidth] = useState(0);
  const [range, setRange] = useState<StepRange | null>(null);
  const [history, setHistory] = useState<DownsampledHistory | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const handlers = useRef({ zoom: (r: StepRange) => setRange(r), reset: () => setRange(null) });

  // Follow the container's width; refetch only when the bucket count would change a lot.
  useEffect(() => {
    const box = boxRef.current;
    if (!box) return;
    const measure = () => setWidth(Math.max(200, Math.floor(box.clientWidth || 600)));
    measure();
    if (typeof ResizeObserver === "undefined") return;
    const observer = new ResizeObserver(measure);
    observer.observe(box);
    return () => observer.disconnect();
  }, []);
  const buckets = width ? bucketsFor(Math.round(width / 100) * 100) : 0;

  const startStep = range?.start;
  const endStep = range?.end;
  // A new version matters only for the full view: a zoomed range is history already written.
  const liveVersion = range ? null : version;
  useEffect(() => {
    if (!buckets) return;
    const controller = new AbortController();
    setLoading(true);
    getDownsampledHistory({ runId, metricKey, buckets, startStep, endStep }, controller.signal)
      .then((data) => {
        setHistory(data);
        setError(null);
        setLoading(false);
      })
      .catch((cause: unknown) => {
        if (isAbort(cause)) return;
        setError(cause instanceof ApiError ? cause.message : String(cause));
        setLoading(false);
      });
    return () => controller.abort();
  }, [runId, metricKey, buckets, startStep, endStep, liveVersion]);

  // Draw: one uPlot per chart, fed new data as it arrives.
  useEffect(() => {
    const box = boxRef.current;
    if (!box || !history || !width) return;
    const data = toPlotData(history);
    if (!plotRef.current) {
      plotRef.current = new uPlot(plotOptions(width, height, metricKey, handlers.current), data, box);
    } else {
      plotRef.current.setData(data, true);
    }
  }, [history, width, height, metricKey]);

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

  const total = history?.total_points ?? 0;
  const lastValue = history ? finite(history.buckets.last[history.buckets.last.length - 1] ?? null) : null;
  const summary = history
    ? total === 0
      ? "No points in this range."
      : [
          `${formatNumber(total)} ${total === 1 ? "point" : "points"}`,
          history.bucket_width > 1 ? `drawn as min/max of ${formatNumber(history.bucket_width)}-step buckets` : null,
          range ? `steps ${formatNumber(range.start)}–${formatNumber(range.end)}` : null,
          lastValue !== null && !range ? `last ${formatNumber(lastValue)}` : null,
        ]
          .filter(Boolean)
          .join(" · ")
    : "";
  const state = error ? "error" : loading || !history ? "loading" : "ready";

  return (
    <figure className="metric-chart" data-metric={metricKey} data-state={state} data-points={total} data-buckets={history?.buckets.count.length ?? 0}>
      <figcaption>
        <span className="chart-title">{metricKey}</span>
        {range && (
          <button type="button" className="secondary small" onClick={() => setRange(null)}>
            Reset zoom
          </button>
        )}
      </figcaption>
      <div ref={boxRef} className="chart-box" role="img" aria-label={`Chart of ${metricKey} by step. ${summary}`} style={{ minHeight: height }}>
        {error && <p className="field-error chart-message">{error}</p>}
        {!error && history && total === 0 && <p className="muted chart-message">No points logged.</p>}
      </div>
      <p className="chart-summary muted" aria-live="polite">
        {state === "loading" ? "Loading…" : summary}
      </p>
    </figure>
  );
}
