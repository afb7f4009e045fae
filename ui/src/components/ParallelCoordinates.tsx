// Parallel coordinates in SVG: an axis per chosen param and one for the chosen metric, a line per
// run through its values. Numeric params get a linear axis, others one tick per value. Hover a line,
// or focus a run in the legend, to pick it out.
import { useId, useMemo, useRef, useState } from "react";
import { cellValue, type ColumnRef } from "../lib/columns";
import { keysOf, varyingParams } from "../lib/compare";
import { shortLabel, type CompareRun } from "../lib/compareRuns";
import { formatTick } from "../lib/format";
import { position, scaleFor, ticks, type AxisScale } from "../lib/scales";
import { useElementWidth } from "../lib/useElementWidth";

const HEIGHT = 320;
const MARGIN = { top: 36, right: 70, bottom: 16, left: 56 };
const DEFAULT_AXES = 6;

interface Axis {
  column: ColumnRef;
  scale: AxisScale;
  x: number;
}

export interface ParallelCoordinatesProps {
  runs: readonly CompareRun[];
  params: readonly string[];
  metric: string | null;
}

/** The SVG path of one run: broken where the run lacks an axis' value. */
export function linePath(run: CompareRun, axes: readonly Axis[], yOf: (p: number) => number): string {
  let path = "";
  let drawing = false;
  for (const axis of axes) {
    const p = position(axis.scale, cellValue(run.run, axis.column));
    if (p === null) {
      drawing = false;
      continue;
    }
    path += `${drawing ? "L" : "M"}${axis.x.toFixed(1)},${yOf(p).toFixed(1)}`;
    drawing = true;
  }
  return path;
}

export function ParallelCoordinates({ runs, params, metric }: ParallelCoordinatesProps) {
  const boxRef = useRef<HTMLDivElement>(null);
  const width = Math.max(320, useElementWidth(boxRef));
  const [focused, setFocused] = useState<string | null>(null);
  const columns: ColumnRef[] = [...params.map((key) => ({ kind: "param" as const, key })), ...(metric ? [{ kind: "metric" as const, key: metric }] : [])];
  const inner = { width: width - MARGIN.left - MARGIN.right, height: HEIGHT - MARGIN.top - MARGIN.bottom };
  const axes: Axis[] = columns.flatMap((column, i) => {
    const scale = scaleFor(runs.map((r) => cellValue(r.run, column)));
    if (!scale) return [];
    const x = MARGIN.left + (columns.length === 1 ? inner.width / 2 : (i / (columns.length - 1)) * inner.width);
    return [{ column, scale, x }];
  });
  const yOf = (p: number) => MARGIN.top + (1 - p) * inner.height;
  const drawn = runs.map((run) => ({ run, d: linePath(run, axes, yOf) })).filter((line) => line.d);

  return (
    <div ref={boxRef} className="plot-box">
      <svg
        className="parallel-coordinates"
        width={width}
        height={HEIGHT}
        role="img"
        aria-label={`Parallel coordinates of ${runs.length} runs over ${axes.map((a) => a.column.key).join(", ")}`}
      >
        {drawn.map(({ run, d }) => (
          <path
            key={run.run.info.run_id}
            className="pc-line"
            d={d}
            fill="none"
            stroke={run.color}
            strokeWidth={focused === run.run.info.run_id ? 3.5 : 2}
            strokeOpacity={focused && focused !== run.run.info.run_id ? 0.15 : 0.9}
            onMouseEnter={() => setFocused(run.run.info.run_id)}
            onMouseLeave={() => setFocused(null)}
          >
            <title>{run.name}</title>
          </path>
        ))}
        {axes.map((axis) => (
          <g key={`${axis.column.kind}.${axis.column.key}`} className="pc-axis">
            <line x1={axis.x} x2={axis.x} y1={MARGIN.top} y2={MARGIN.top + inner.height} />
            <g>
              <title>{`${axis.column.kind} ${axis.column.key}`}</title>
              <text x={axis.x} y={MARGIN.top - 14} textAnchor="middle" className={`axis-title${axis.column.kind === "metric" ? " is-metric" : ""}`}>
                {shortLabel(axis.column.key, 16)}
              </text>
            </g>
            {ticks(axis.scale, 4, formatTick).map((tick) => (
              <text
                key={tick.label}
                x={axis.column.kind === "metric" ? axis.x + 5 : axis.x - 5}
                y={yOf(tick.at) + 4}
                textAnchor={axis.column.kind === "metric" ? "start" : "end"}
                className="tick"
              >
                {shortLabel(tick.label, 10)}
              </text>
            ))}
          </g>
        ))}
      </svg>
      <ul className="legend" aria-label="Runs">
        {runs.map((run) => (
          <li key={run.run.info.run_id}>
            <button
              type="button"
              className="legend-item"
              aria-pressed={focused === run.run.info.run_id}
              onMouseEnter={() => setFocused(run.run.info.run_id)}
              onMouseLeave={() => setFocused(null)}
              onFocus={() => setFocused(run.run.info.run_id)}
              onBlur={() => setFocused(null)}
            >
              <span className="swatch" style={{ background: run.color }} aria-hidden="true" />
              {run.name}
            </button>
          </li>
        ))}
      </ul>
    </div>
  );
}

/** Parallel coordinates with their choices: which params make axes, which metric ends them. */
export function ParallelCoordinatesPanel({ runs }: { runs: readonly CompareRun[] }) {
  const id = useId();
  const plain = useMemo(() => runs.map((r) => r.run), [runs]);
  const paramKeys = useMemo(() => keysOf(plain, "param"), [plain]);
  const metricKeys = useMemo(() => keysOf(plain, "metric"), [plain]);
  const [chosen, setChosen] = useState<string[] | null>(null);
  const [metric, setMetric] = useState<string | null>(null);
  const params = chosen ?? (varyingParams(plain).length ? varyingParams(plain) : paramKeys).slice(0, DEFAULT_AXES);
  const target = metric ?? metricKeys[0] ?? null;

  if (paramKeys.length === 0 && metricKeys.length === 0) return <p className="muted">These runs have no params or metrics to plot.</p>;
  return (
    <div className="plot-panel">
      <div className="plot-controls">
        <fieldset className="param-choices">
          <legend>Axes (parameters)</legend>
          {paramKeys.map((key) => (
            <label key={key} className="picker-item">
              <input
                type="checkbox"
                checked={params.includes(key)}
                onChange={(event) => setChosen(event.target.checked ? [...params, key] : params.filter((k) => k !== key))}
              />
              {key}
            </label>
          ))}
          {paramKeys.length === 0 && <p className="muted">No params.</p>}
        </fieldset>
        <div className="option">
          <label htmlFor={`${id}-metric`}>Metric</label>
          <select id={`${id}-metric`} value={target ?? ""} onChange={(event) => setMetric(event.target.value || null)}>
            {metricKeys.length === 0 && <option value="">No metrics</option>}
            {metricKeys.map((key) => (
              <option key={key} value={key}>
                {key}
              </option>
            ))}
          </select>
        </div>
      </div>
      {params.length === 0 && !target ? (
        <p className="muted">Choose at least one parameter or a metric.</p>
      ) : (
        <ParallelCoordinates runs={runs} params={params} metric={target} />
      )}
    </div>
  );
}
