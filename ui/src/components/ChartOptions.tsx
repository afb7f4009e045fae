// The controls every chart of a page follows: log scale, smoothing and (comparing runs) the x axis.
import { useId } from "react";
import { MAX_SMOOTHING, type ChartSettings, type XAxis } from "../lib/chartSettings";

export interface ChartOptionsProps {
  value: ChartSettings;
  onChange: (next: ChartSettings) => void;
  /** Offer step / wall time / relative time; charts fed by step buckets have only steps. */
  showXAxis?: boolean;
}

const X_AXES: { value: XAxis; label: string }[] = [
  { value: "step", label: "Step" },
  { value: "time", label: "Wall time" },
  { value: "relative", label: "Relative time" },
];

export function ChartOptions({ value, onChange, showXAxis = false }: ChartOptionsProps) {
  const id = useId();
  return (
    <fieldset className="chart-options">
      <legend className="sr-only">Chart options</legend>
      {showXAxis && (
        <div className="option">
          <label htmlFor={`${id}-x`}>X axis</label>
          <select id={`${id}-x`} value={value.xAxis} onChange={(event) => onChange({ ...value, xAxis: event.target.value as XAxis })}>
            {X_AXES.map((axis) => (
              <option key={axis.value} value={axis.value}>
                {axis.label}
              </option>
            ))}
          </select>
        </div>
      )}
      <div className="option">
        <input id={`${id}-log`} type="checkbox" checked={value.logScale} onChange={(event) => onChange({ ...value, logScale: event.target.checked })} />
        <label htmlFor={`${id}-log`}>Log scale</label>
      </div>
      <div className="option">
        <label htmlFor={`${id}-smooth`}>Smoothing</label>
        <input
          id={`${id}-smooth`}
          type="range"
          min={0}
          max={MAX_SMOOTHING}
          step={0.01}
          value={value.smoothing}
          aria-valuetext={value.smoothing > 0 ? `${value.smoothing.toFixed(2)}` : "off"}
          onChange={(event) => onChange({ ...value, smoothing: Number(event.target.value) })}
        />
        <output htmlFor={`${id}-smooth`} className="muted">
          {value.smoothing > 0 ? value.smoothing.toFixed(2) : "off"}
        </output>
      </div>
    </fieldset>
  );
}
