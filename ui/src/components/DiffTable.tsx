// Params, tags and latest metrics of the compared runs side by side; rows whose values differ are
// marked (a tint and a "≠", not colour alone), and a switch hides the rows that agree.
import { useId, useState } from "react";
import { diffRows, type DiffKind } from "../lib/compare";
import type { CompareRun } from "../lib/compareRuns";

const SECTIONS: { kind: DiffKind; title: string }[] = [
  { kind: "param", title: "Parameters" },
  { kind: "metric", title: "Metrics (latest)" },
  { kind: "tag", title: "Tags" },
];

export function DiffTable({ runs }: { runs: readonly CompareRun[] }) {
  const id = useId();
  const [onlyDiffs, setOnlyDiffs] = useState(false);
  const plain = runs.map((r) => r.run);
  const sections = SECTIONS.map((section) => ({ ...section, rows: diffRows(plain, section.kind) }));
  const differing = sections.reduce((sum, s) => sum + s.rows.filter((r) => r.differs).length, 0);
  return (
    <div className="diff">
      <div className="option">
        <input id={`${id}-only`} type="checkbox" checked={onlyDiffs} onChange={(event) => setOnlyDiffs(event.target.checked)} />
        <label htmlFor={`${id}-only`}>Show only differences</label>
        <span className="muted">
          {differing} {differing === 1 ? "value differs" : "values differ"}
        </span>
      </div>
      <div className="table-scroll">
        <table className="simple-table diff-table">
          <caption className="sr-only">Parameters, metrics and tags of the compared runs</caption>
          <thead>
            <tr>
              <th scope="col">Key</th>
              {runs.map((run) => (
                <th key={run.run.info.run_id} scope="col">
                  <span className="swatch" style={{ background: run.color }} aria-hidden="true" /> {run.name}
                </th>
              ))}
            </tr>
          </thead>
          {sections.map((section) => {
            const rows = onlyDiffs ? section.rows.filter((r) => r.differs) : section.rows;
            return (
              <tbody key={section.kind}>
                <tr className="section-row">
                  <th scope="colgroup" colSpan={runs.length + 1}>
                    {section.title}
                  </th>
                </tr>
                {rows.length === 0 && (
                  <tr>
                    <td colSpan={runs.length + 1} className="muted">
                      {section.rows.length === 0 ? "None." : "All the same."}
                    </td>
                  </tr>
                )}
                {rows.map((row) => (
                  <tr key={row.key} className={row.differs ? "is-different" : undefined}>
                    <th scope="row">
                      {row.differs && (
                        <span className="diff-mark" title="Values differ" aria-label="differs:">
                          ≠
                        </span>
                      )}{" "}
                      {row.key}
                    </th>
                    {row.values.map((value, i) => (
                      <td key={i} className="kv-value">
                        {value ?? <span className="muted">—</span>}
                      </td>
                    ))}
                  </tr>
                ))}
              </tbody>
            );
          })}
        </table>
      </div>
    </div>
  );
}
