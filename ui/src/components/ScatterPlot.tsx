// A scatter of the compared runs over any two columns (metrics or params), in SVG: a dot per run
// in its colour, numeric columns on linear axes, others one tick per value.
import { useId, useMemo, useRef, useState } from "react";
import { cellValue, columnId, parseColumnId, type ColumnRef } from "../lib/columns";
import { scatterColumns } from "../lib/compare";
import { shortLabel, type CompareRun } from "../lib/compareRuns";
import { formatTick } from "../lib/format";
import { position, scaleFor, ticks } from "../lib/scales";
import { useElementWidth } from "../lib/useElementWidth";

const HEIGHT = 320;
const MARGIN = { top: 16, right: 20, bottom: 44, left: 72 };
/** Dots at the ends of a range stay off the axes. */
const PAD = 0.05;

export interface ScatterPlotProps {
  runs: readonly CompareRun[];
  x: ColumnRef;
  y: ColumnRef;
}

export function ScatterPlot({ runs, x, y }: ScatterPlotProps) {
  const boxRef = useRef<HTMLDivElement>(null);
  const width = Math.max(300, useElementWidth(boxRef));
  const inner = { width: width - MARGIN.left - MARGIN.right, height: HEIGHT - MARGIN.top - MARGIN.bottom };
  const xScale = scaleFor(runs.map((r) => cellValue(r.run, x)));
  const yScale = scaleFor(runs.map((r) => cellValue(r.run, y)));
  if (!xScale || !yScale) return <p className="muted">No run has both {x.key} and {y.key}.</p>;
  const px = (p: number) => MARGIN.left + (PAD + p * (1 - 2 * PAD)) * inner.width;
  const py = (p: number) => MARGIN.top + (1 - PAD - p * (1 - 2 * PAD)) * inner.height;
  const points = runs.flatMap((run) => {
    const vx = cellValue(run.run, x);
    const vy = cellValue(run.run, y);
    const cx = position(xScale, vx);
    const cy = position(yScale, vy);
    return cx === null || cy === null ? [] : [{ run, cx: px(cx), cy: py(cy), vx, vy }];
  });
  const missing = runs.length - points.length;
  return (
    <div ref={boxRef} className="plot-box">
      <svg className="scatter-plot" width={width} height={HEIGHT} role="img" aria-label={`Scatter of ${y.key} against ${x.key} for ${points.length} runs`}>
        <g className="axis">
          <line x1={MARGIN.left} x2={MARGIN.left + inner.width} y1={MARGIN.top + inner.height} y2={MARGIN.top + inner.height} />
          <line x1={MARGIN.left} x2={MARGIN.left} y1={MARGIN.top} y2={MARGIN.top + inner.height} />
          {ticks(xScale, 5, formatTick).map((tick) => (
            <text key={`x${tick.label}`} x={px(tick.at)} y={MARGIN.top + inner.height + 16} textAnchor="middle" className="tick">
              {shortLabel(tick.label, 10)}
            </text>
          ))}
          {ticks(yScale, 5, formatTick).map((tick) => (
            <text key={`y${tick.label}`} x={MARGIN.left - 6} y={py(tick.at) + 4} textAnchor="end" className="tick">
              {shortLabel(tick.label, 10)}
            </text>
          ))}
          <text x={MARGIN.left + inner.width / 2} y={HEIGHT - 6} textAnchor="middle" className="axis-title">
            {x.key}
          </text>
          <text x={14} y={MARGIN.top + inner.height / 2} textAnchor="middle" className="axis-title" transform={`rotate(-90 14 ${MARGIN.top + inner.height / 2})`}>
            {y.key}
          </text>
        </g>
        {points.map(({ run, cx, cy, vx, vy }) => (
          <circle key={run.run.info.run_id} className="scatter-point" cx={cx} cy={cy} r={6} fill={run.color} fillOpacity={0.85} stroke="#fff">
            <title>{`${run.name}: ${x.key} ${String(vx)}, ${y.key} ${String(vy)}`}</title>
          </circle>
        ))}
      </svg>
      {missing > 0 && <p className="muted small-print">{missing === 1 ? "1 run lacks" : `${missing} runs lack`} one of the two values and is not shown.</p>}
    </div>
  );
}

function ColumnSelect({ label, columns, value, onChange }: { label: string; columns: ColumnRef[]; value: ColumnRef; onChange: (c: ColumnRef) => void }) {
  const id = useId();
  return (
    <div className="option">
      <label htmlFor={id}>{label}</label>
      <select
        id={id}
        value={columnId(value)}
        onChange={(event) => {
          const parsed = parseColumnId(event.target.value);
          if (parsed) onChange(parsed);
        }}
      >
        {(["metric", "param"] as const).map((kind) => (
          <optgroup key={kind} label={kind === "metric" ? "Metrics" : "Parameters"}>
            {columns
              .filter((c) => c.kind === kind)
              .map((c) => (
                <option key={columnId(c)} value={columnId(c)}>
                  {c.key}
                </option>
              ))}
          </optgroup>
        ))}
      </select>
    </div>
  );
}

/** The scatter with its two column choices; starts with the first param against the first metric. */
export function ScatterPanel({ runs }: { runs: readonly CompareRun[] }) {
  const columns = useMemo(() => scatterColumns(runs.map((r) => r.run)), [runs]);
  const firstMetric = columns.find((c) => c.kind === "metric");
  const firstParam = columns.find((c) => c.kind === "param");
  const [x, setX] = useState<ColumnRef | null>(null);
  const [y, setY] = useState<ColumnRef | null>(null);
  const xColumn = x ?? firstParam ?? columns[0];
  const yColumn = y ?? firstMetric ?? columns[1] ?? columns[0];
  if (!xColumn || !yColumn) return <p className="muted">These runs have no params or metrics to plot.</p>;
  return (
    <div className="plot-panel">
      <div className="plot-controls">
        <ColumnSelect label="Scatter x" columns={columns} value={xColumn} onChange={setX} />
        <ColumnSelect label="Scatter y" columns={columns} value={yColumn} onChange={setY} />
      </div>
      <ScatterPlot runs={runs} x={xColumn} y={yColumn} />
    </div>
  );
}
