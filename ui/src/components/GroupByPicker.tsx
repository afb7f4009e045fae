// Group the runs table by the value of one param or tag.
import { useId } from "react";
import { columnId, parseColumnId, type ColumnRef } from "../lib/columns";

export interface GroupByPickerProps {
  paramKeys: readonly string[];
  tagKeys: readonly string[];
  value: ColumnRef | null;
  onChange: (next: ColumnRef | null) => void;
}

export function GroupByPicker({ paramKeys, tagKeys, value, onChange }: GroupByPickerProps) {
  const id = useId();
  const current = value ? columnId(value) : "";
  // A key from the URL that the loaded runs lack still shows as chosen.
  const known = value && !(value.kind === "param" ? paramKeys : tagKeys).includes(value.key);
  return (
    <div className="group-by">
      <label htmlFor={id}>Group by</label>
      <select id={id} value={current} onChange={(event) => onChange(parseColumnId(event.target.value))}>
        <option value="">No grouping</option>
        {known && <option value={current}>{value.key}</option>}
        {paramKeys.length > 0 && (
          <optgroup label="Parameters">
            {paramKeys.map((key) => (
              <option key={key} value={columnId({ kind: "param", key })}>
                {key}
              </option>
            ))}
          </optgroup>
        )}
        {tagKeys.length > 0 && (
          <optgroup label="Tags">
            {tagKeys.map((key) => (
              <option key={key} value={columnId({ kind: "tag", key })}>
                {key}
              </option>
            ))}
          </optgroup>
        )}
      </select>
    </div>
  );
}
