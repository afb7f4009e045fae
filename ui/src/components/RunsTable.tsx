// The runs table: a sticky header whose cells sort, and a windowed body that asks for the next
// page of runs as the end comes into view. Rows are runs, group headers (group by a param or tag)
// and child runs under their parent. Keyboard: arrows, Page Up/Down, Home/End, Enter opens a run
// (or opens/closes a group), Space selects, Right/Left show/hide a parent's child runs.
import { useEffect, useId, useMemo, useRef, useState, type KeyboardEvent, type ReactNode } from "react";
import type { Run } from "../api/types";
import { plural } from "../lib/format";
import type { TableRow } from "../lib/runTree";
import { useWindowedRows } from "../lib/useWindowedRows";

export interface TableColumn {
  id: string;
  header: string;
  /** Shown under the header: "metric", "param"… */
  group?: string;
  width: number;
  sortable: boolean;
  numeric?: boolean;
  render: (run: Run) => ReactNode;
  /** What a group's header row shows in this column (a metric's mean, say). */
  aggregate?: (runs: readonly Run[]) => ReactNode;
}

export interface SortState {
  columnId: string;
  descending: boolean;
}

export interface Selection {
  selected: ReadonlySet<string>;
  /** What "select all" selects: every loaded run, shown or folded away. */
  all: readonly string[];
  onChange: (runIds: readonly string[], on: boolean) => void;
}

export interface RunsTableProps {
  rows: readonly TableRow[];
  columns: readonly TableColumn[];
  sort: SortState | null;
  onSort: (columnId: string) => void;
  onOpenRun: (run: Run) => void;
  /** Open or close a group, or show or hide a parent run's children. */
  onToggleRow?: (row: TableRow) => void;
  selection?: Selection;
  hasMore: boolean;
  loading: boolean;
  onLoadMore: () => void;
  label: string;
  rowHeight?: number;
}

const HEADER_HEIGHT = 44;
const SELECT_WIDTH = 38;
const INDENT = 18;

function ariaSort(sort: SortState | null, column: TableColumn): "ascending" | "descending" | "none" | undefined {
  if (!column.sortable) return undefined;
  if (sort?.columnId !== column.id) return "none";
  return sort.descending ? "descending" : "ascending";
}

function runName(run: Run): string {
  return run.info.run_name || run.info.run_id;
}

function HeaderText({ column }: { column: TableColumn }) {
  return (
    <span className="head-text">
      {column.group && <span className="head-group">{column.group}</span>}
      <span className="head-key">{column.header}</span>
    </span>
  );
}

function SelectAll({ selection }: { selection: Selection }) {
  const { all: runIds, selected } = selection;
  const ref = useRef<HTMLInputElement>(null);
  // Counted once per change of selection, not on every scroll frame.
  const count = useMemo(() => (selected.size === 0 ? 0 : runIds.filter((id) => selected.has(id)).length), [runIds, selected]);
  const all = runIds.length > 0 && count === runIds.length;
  useEffect(() => {
    if (ref.current) ref.current.indeterminate = count > 0 && !all;
  }, [count, all]);
  return (
    <input
      ref={ref}
      type="checkbox"
      aria-label="Select all loaded runs"
      checked={all}
      disabled={runIds.length === 0}
      onChange={(event) => selection.onChange(runIds, event.target.checked)}
    />
  );
}

export function RunsTable({
  rows,
  columns,
  sort,
  onSort,
  onOpenRun,
  onToggleRow,
  selection,
  hasMore,
  loading,
  onLoadMore,
  label,
  rowHeight = 34,
}: RunsTableProps) {
  const scrollRef = useRef<HTMLDivElement>(null);
  const idPrefix = useId();
  const [active, setActive] = useState(0);
  const { start, end, viewportRows, scrollToRow } = useWindowedRows(scrollRef, rows.length, rowHeight, 10, HEADER_HEIGHT);
  const widths = [...(selection ? [SELECT_WIDTH] : []), ...columns.map((c) => c.width)];
  const template = widths.map((w) => `${w}px`).join(" ");
  const totalWidth = widths.reduce((sum, w) => sum + w, 0);
  // With any parent in view, leaf runs keep the toggle's room so names line up.
  const hasTree = useMemo(() => rows.some((row) => row.kind === "run" && row.childCount > 0), [rows]);

  // Ask for the next page while a couple of screens of rows are still ahead.
  useEffect(() => {
    if (hasMore && !loading && end >= rows.length - viewportRows * 2) onLoadMore();
  }, [end, rows.length, viewportRows, hasMore, loading, onLoadMore]);

  useEffect(() => {
    if (active >= rows.length && rows.length > 0) setActive(rows.length - 1);
  }, [active, rows.length]);

  const move = (index: number) => {
    const next = Math.max(0, Math.min(rows.length - 1, index));
    setActive(next);
    scrollToRow(next);
  };

  const toggleSelected = (row: TableRow) => {
    if (!selection) return;
    const ids = row.kind === "run" ? [row.run.info.run_id] : row.runIds;
    const allOn = ids.every((id) => selection.selected.has(id));
    selection.onChange(ids, !allOn);
  };

  const onKeyDown = (event: KeyboardEvent<HTMLDivElement>) => {
    if (event.target !== event.currentTarget || rows.length === 0) return;
    const row = rows[active];
    const page = Math.max(1, viewportRows - 1);
    const canOpen = row && (row.kind === "group" || row.childCount > 0);
    const keys: Record<string, () => void> = {
      ArrowDown: () => move(active + 1),
      ArrowUp: () => move(active - 1),
      PageDown: () => move(active + page),
      PageUp: () => move(active - page),
      Home: () => move(0),
      End: () => move(rows.length - 1),
      ArrowRight: () => {
        if (row && canOpen && !row.expanded) onToggleRow?.(row);
      },
      ArrowLeft: () => {
        if (row && canOpen && row.expanded) onToggleRow?.(row);
      },
      " ": () => {
        if (row) toggleSelected(row);
      },
      Enter: () => {
        if (row?.kind === "run") onOpenRun(row.run);
        else if (row) onToggleRow?.(row);
      },
    };
    const action = keys[event.key];
    if (action) {
      event.preventDefault();
      action();
    }
  };

  const body: ReactNode[] = [];
  for (let index = start; index < end; index++) {
    const row = rows[index];
    if (!row) continue;
    const isActive = index === active;
    const common = {
      id: `${idPrefix}-row-${index}`,
      role: "row",
      "aria-rowindex": index + 2,
      "aria-selected": isActive,
      style: { top: index * rowHeight, height: rowHeight, gridTemplateColumns: template, width: totalWidth },
      onClick: () => setActive(index),
    };
    if (row.kind === "group") {
      const checked = selection ? row.runIds.every((id) => selection.selected.has(id)) : false;
      const name = `${row.column.key} = ${row.value ?? "(not set)"}`;
      body.push(
        <div key={row.key} {...common} className={`runs-row group-row${isActive ? " is-active" : ""}`}>
          {selection && (
            <div role="gridcell" className="runs-cell select-cell">
              <input type="checkbox" tabIndex={-1} aria-label={`Select the runs of ${name}`} checked={checked} onChange={() => toggleSelected(row)} />
            </div>
          )}
          {columns.map((column, i) =>
            i === 0 ? (
              <div key={column.id} role="gridcell" className="runs-cell group-cell" title={`${name}: ${plural(row.count, "run")}`}>
                <button type="button" tabIndex={-1} className="toggle-button" aria-expanded={row.expanded} onClick={() => onToggleRow?.(row)}>
                  <span aria-hidden="true">{row.expanded ? "▾" : "▸"}</span> <span className="group-key">{row.column.key}</span> ={" "}
                  <strong>{row.value ?? <em>not set</em>}</strong>
                </button>
                <span className="muted group-count">{plural(row.count, "run")}</span>
              </div>
            ) : (
              <div key={column.id} role="gridcell" className={`runs-cell${column.numeric ? " is-numeric" : ""}`}>
                {column.aggregate?.(row.runs)}
              </div>
            ),
          )}
        </div>,
      );
      continue;
    }
    const { run } = row;
    const runId = run.info.run_id;
    body.push(
      <div
        key={row.key}
        {...common}
        className={`runs-row${isActive ? " is-active" : ""}${selection?.selected.has(runId) ? " is-selected" : ""}`}
        onDoubleClick={() => onOpenRun(run)}
      >
        {selection && (
          <div role="gridcell" className="runs-cell select-cell">
            <input
              type="checkbox"
              tabIndex={-1}
              aria-label={`Select ${runName(run)}`}
              checked={selection.selected.has(runId)}
              onChange={(event) => selection.onChange([runId], event.target.checked)}
            />
          </div>
        )}
        {columns.map((column, i) => (
          <div key={column.id} role="gridcell" className={`runs-cell${column.numeric ? " is-numeric" : ""}${i === 0 ? " tree-cell" : ""}`}>
            {i === 0 ? (
              <>
                <span style={{ width: row.depth * INDENT }} className="tree-indent" aria-hidden="true" />
                {row.childCount > 0 ? (
                  <button
                    type="button"
                    tabIndex={-1}
                    className="toggle-button child-toggle"
                    aria-expanded={row.expanded}
                    aria-label={`${row.expanded ? "Hide" : "Show"} ${plural(row.childCount, "child run")} of ${runName(run)}`}
                    onClick={() => onToggleRow?.(row)}
                  >
                    <span aria-hidden="true">{row.expanded ? "▾" : "▸"}</span>
                    <span className="child-count" aria-hidden="true">
                      {row.childCount}
                    </span>
                  </button>
                ) : row.depth > 0 ? (
                  <span className="child-mark" aria-hidden="true">
                    └
                  </span>
                ) : (
                  hasTree && <span className="toggle-space" aria-hidden="true" />
                )}
                <span className="tree-content">{column.render(run)}</span>
              </>
            ) : (
              column.render(run)
            )}
          </div>
        ))}
      </div>,
    );
  }

  return (
    <div
      ref={scrollRef}
      className="runs-table"
      role="grid"
      aria-label={label}
      aria-rowcount={hasMore ? -1 : rows.length + 1}
      aria-colcount={widths.length}
      aria-busy={loading}
      aria-activedescendant={rows.length ? `${idPrefix}-row-${active}` : undefined}
      tabIndex={0}
      onKeyDown={onKeyDown}
    >
      <div role="row" aria-rowindex={1} className="runs-header" style={{ gridTemplateColumns: template, width: totalWidth, height: HEADER_HEIGHT }}>
        {selection && (
          <div role="columnheader" className="runs-headcell select-cell">
            <SelectAll selection={selection} />
          </div>
        )}
        {columns.map((column) => (
          <div key={column.id} role="columnheader" aria-sort={ariaSort(sort, column)} className={`runs-headcell${column.numeric ? " is-numeric" : ""}`}>
            {column.sortable ? (
              <button type="button" className="sort-button" onClick={() => onSort(column.id)} title={`Sort by ${column.header}`}>
                <HeaderText column={column} />
                <span className="sort-mark" aria-hidden="true">
                  {sort?.columnId === column.id ? (sort.descending ? "▼" : "▲") : ""}
                </span>
              </button>
            ) : (
              <HeaderText column={column} />
            )}
          </div>
        ))}
      </div>
      <div role="rowgroup" className="runs-body" style={{ height: rows.length * rowHeight, width: totalWidth }}>
        {body}
      </div>
    </div>
  );
}
