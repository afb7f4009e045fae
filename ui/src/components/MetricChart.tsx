// One metric of one run as a uPlot chart fed by keel's min/max buckets: about one bucket per
// pixel, so a million-point history draws from ~1,000 numbers and still shows every spike.
// Drag across the chart to zoom (the visible steps are fetched again in full detail);
// double-click or "Reset zoom" to go back. Log scale and smoothing follow the page's chart options;
// hovering shows the values under the cursor.
import { useEffect, useRef, useState } from "react";
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";
import { ApiError, isAbort } from "../api/client";
import { getDownsampledHistory } from "../api/mlflow";
import { toNumber, type DownsampledHistory, type WireDouble } from "../api/types";
import { ema, forLogScale, type ChartSettings } from "../lib/chartSettings";
import { hoverPlugin, type DescribeHover } from "../lib/chartHover";
import { formatNumber, formatTicks } from "../lib/format";

export interface MetricChartProps {
  runId: string;
  metricKey: string;
  /** Changes when the run logged more points (live runs): the chart refetches unless zoomed. */
  version?: number | string;
  height?: number;
  settings?: Pick<ChartSettings, "logScale" | "smoothing">;
}

type StepRange = { start: number; end: number };

const LINE = "#1d4ed8";
const BAND = "rgba(29, 78, 216, 0.35)";
/** With smoothing on, the raw min/max fade behind the smoothed line. */
const FADED_LINE = "rgba(29, 78, 216, 0.3)";
const FADED_BAND = "rgba(29, 78, 216, 0.12)";
const SMOOTH_LINE = "#1e3a8a";
const MIN_BUCKETS = 100;
const MAX_BUCKETS = 2000;
/** Fewer visible points than this get a marker each, so a short history is not a bare line. */
const MARKER_LIMIT = 60;
const showMarkers: uPlot.Series.Points.Show = (_u, _series, first, last) => last - first < MARKER_LIMIT;

function finite(value: WireDouble | null): number | null {
  const number = toNumber(value);
  return number !== null && Number.isFinite(number) ? number : null;
}

/** [steps, min, max, smoothed middle]: the smoothed series is empty unless smoothing is on. */
export function toPlotData(history: DownsampledHistory, settings: MetricChartProps["settings"] = { logScale: false, smoothing: 0 }): uPlot.AlignedData {
  const { buckets } = history;
  const scale = settings.logScale ? forLogScale : (values: (number | null)[]) => values;
  const min = buckets.min.map(finite);
  const max = buckets.max.map(finite);
  const middle = min.map((low, i) => {
    const high = max[i] ?? null;
    return low === null || high === null ? null : (low + high) / 2;
  });
  const smoothed = settings.smoothing > 0 ? ema(scale(middle), settings.smoothing) : middle.map(() => null);
  return [buckets.first_step, scale(min), scale(max), smoothed];
}

function bucketsFor(width: number): number {
  return Math.max(MIN_BUCKETS, Math.min(MAX_BUCKETS, Math.round(width)));
}

interface Look {
  logScale: boolean;
  smoothed: boolean;
}

const describeHover: DescribeHover = (u, index) => {
  const step = u.data[0][index];
  const low = u.data[1]?.[index];
  const high = u.data[2]?.[index];
  const smooth = u.data[3]?.[index];
  if (step === undefined || low === undefined || high === undefined || low === null || high === null) return null;
  const items = [
    low === high
      ? { label: "value", value: formatNumber(low), color: LINE }
      : { label: "min", value: `${formatNumber(low)} · max ${formatNumber(high)}`, color: LINE },
  ];
  if (smooth !== null && smooth !== undefined) items.push({ label: "smoothed", value: formatNumber(smooth), color: SMOOTH_LINE });
  return { x: `step ${formatNumber(step)}`, items };
};

function plotOptions(
  width: number,
  height: number,
  label: string,
  look: Look,
  handlers: { zoom: (range: StepRange) => void; reset: () => void },
  hoverTarget: () => HTMLElement | null,
): uPlot.Options {
  const line = look.smoothed ? FADED_LINE : LINE;
  return {
    width,
    height,
    plugins: [hoverPlugin(hoverTarget, describeHover)],
    scales: { x: { time: false }, y: look.logScale ? { distr: 3 } : {} },
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
      { label: "step", labelSize: 18, size: 36, space: 60, values: (_u, splits) => formatTicks(splits) },
      { size: 56, values: (_u, splits) => formatTicks(splits) },
    ],
    series: [
      { label: "step" },
      { label: `${label} (min)`, stroke: line, width: 1.25, points: { show: showMarkers, fill: line } },
      { label: `${label} (max)`, stroke: line, width: 1.25, points: { show: showMarkers, fill: line } },
      { label: `${label} (smoothed)`, stroke: SMOOTH_LINE, width: 2, spanGaps: true, points: { show: false } },
    ],
    bands: [{ series: [2, 1], fill: look.smoothed ? FADED_BAND : BAND }],
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

const NO_SETTINGS = { logScale: false, smoothing: 0 };

export function MetricChart({ runId, metricKey, version, height = 200, settings = NO_SETTINGS }: MetricChartProps) {
  const boxRef = useRef<HTMLDivElement>(null);
  const hoverRef = useRef<HTMLParagraphElement>(null);
  const plotRef = useRef<uPlot | null>(null);
  const lookRef = useRef("");
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

  // Draw: one uPlot per chart, fed new data as it arrives; built again only when its look changes.
  const { logScale, smoothing } = settings;
  useEffect(() => {
    const box = boxRef.current;
    if (!box || !history || !width) return;
    const data = toPlotData(history, { logScale, smoothing });
    const look = { logScale, smoothed: smoothing > 0 };
    const lookKey = JSON.stringify(look);
    if (plotRef.current && lookRef.current !== lookKey) {
      plotRef.current.destroy();
      plotRef.current = null;
    }
    lookRef.current = lookKey;
    if (!plotRef.current) {
      plotRef.current = new uPlot(plotOptions(width, height, metricKey, look, handlers.current, () => hoverRef.current), data, box);
    } else {
      plotRef.current.setData(data, true);
    }
  }, [history, width, height, metricKey, logScale, smoothing]);

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
      <p ref={hoverRef} className="hover-values muted" aria-hidden="true" />
    </figure>
  );
}
