// Choose which metric, param and tag columns the runs table shows.
import { useId, useState } from "react";
import { columnId, type ColumnKind, type ColumnRef } from "../lib/columns";

export interface ColumnPickerProps {
  metricKeys: readonly string[];
  paramKeys: readonly string[];
  tagKeys?: readonly string[];
  selected: readonly ColumnRef[];
  onChange: (next: ColumnRef[]) => void;
}

function KeyList({
  title,
  kind,
  keys,
  selected,
  toggle,
}: {
  title: string;
  kind: ColumnKind;
  keys: readonly string[];
  selected: ReadonlySet<string>;
  toggle: (column: ColumnRef, on: boolean) => void;
}) {
  return (
    <fieldset className="picker-group">
      <legend>{title}</legend>
      {keys.length === 0 && <p className="muted">None in the loaded runs.</p>}
      {keys.map((key) => {
        const column = { kind, key };
        const checked = selected.has(columnId(column));
        return (
          <label key={key} className="picker-item">
            <input type="checkbox" checked={checked} onChange={(event) => toggle(column, event.target.checked)} />
            <span>{key}</span>
          </label>
        );
      })}
    </fieldset>
  );
}

export function ColumnPicker({ metricKeys, paramKeys, tagKeys = [], selected, onChange }: ColumnPickerProps) {
  const id = useId();
  const [query, setQuery] = useState("");
  const chosen = new Set(selected.map(columnId));
  const needle = query.trim().toLowerCase();
  const match = (key: string) => !needle || key.toLowerCase().includes(needle);

  const toggle = (column: ColumnRef, on: boolean) => {
    const idOf = columnId(column);
    onChange(on ? [...selected, column] : selected.filter((c) => columnId(c) !== idOf));
  };

  return (
    <details className="column-picker">
      <summary>Columns ({selected.length})</summary>
      <div className="picker-panel">
        <label htmlFor={`${id}-q`} className="sr-only">
          Find a column
        </label>
        <input id={`${id}-q`} type="search" placeholder="Find a column" value={query} onChange={(event) => setQuery(event.target.value)} />
        <div className="picker-groups">
          <KeyList title="Metrics" kind="metric" keys={metricKeys.filter(match)} selected={chosen} toggle={toggle} />
          <KeyList title="Parameters" kind="param" keys={paramKeys.filter(match)} selected={chosen} toggle={toggle} />
          <KeyList title="Tags" kind="tag" keys={tagKeys.filter(match)} selected={chosen} toggle={toggle} />
        </div>
        {selected.length > 0 && (
          <button type="button" className="secondary" onClick={() => onChange([])}>
            Hide all
          </button>
        )}
      </div>
    </details>
  );
}
