// The runs table: a sticky header whose cells sort, and a windowed body that asks for the next
// page of runs as the end comes into view. Keyboard: arrows, Page Up/Down, Home/End, Enter opens.
import { useEffect, useId, useRef, useState, type KeyboardEvent, type ReactNode } from "react";
import type { Run } from "../api/types";
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
}

export interface SortState {
  columnId: string;
  descending: boolean;
}

export interface RunsTableProps {
  runs: readonly Run[];
  columns: readonly TableColumn[];
  sort: SortState | null;
  onSort: (columnId: string) => void;
  onOpenRun: (run: Run) => void;
  hasMore: boolean;
  loading: boolean;
  onLoadMore: () => void;
  label: string;
  rowHeight?: number;
}

const HEADER_HEIGHT = 44;

function ariaSort(sort: SortState | null, column: TableColumn): "ascending" | "descending" | "none" | undefined {
  if (!column.sortable) return undefined;
  if (sort?.columnId !== column.id) return "none";
  return sort.descending ? "descending" : "ascending";
}

export function RunsTable({
  runs,
  columns,
  sort,
  onSort,
  onOpenRun,
  hasMore,
  loading,
  onLoadMore,
  label,
  rowHeight = 34,
}: RunsTableProps) {
  const scrollRef = useRef<HTMLDivElement>(null);
  const idPrefix = useId();
  const [active, setActive] = useState(0);
  const { start, end, viewportRows, scrollToRow } = useWindowedRows(scrollRef, runs.length, rowHeight, 10, HEADER_HEIGHT);
  const template = columns.map((c) => `${c.width}px`).join(" ");
  const totalWidth = columns.reduce((sum, c) => sum + c.width, 0);

  // Ask for the next page while a couple of screens of rows are still ahead.
  useEffect(() => {
    if (hasMore && !loading && end >= runs.length - viewportRows * 2) onLoadMore();
  }, [end, runs.length, viewportRows, hasMore, loading, onLoadMore]);

  useEffect(() => {
    if (active >= runs.length && runs.length > 0) setActive(runs.length - 1);
  }, [active, runs.length]);

  const move = (index: number) => {
    const next = Math.max(0, Math.min(runs.length - 1, index));
    setActive(next);
    scrollToRow(next);
  };

  const onKeyDown = (event: KeyboardEvent<HTMLDivElement>) => {
    if (event.target !== event.currentTarget || runs.length === 0) return;
    const page = Math.max(1, viewportRows - 1);
    const keys: Record<string, () => void> = {
      ArrowDown: () => move(active + 1),
      ArrowUp: () => move(active - 1),
      PageDown: () => move(active + page),
      PageUp: () => move(active - page),
      Home: () => move(0),
      End: () => move(runs.length - 1),
      Enter: () => {
        const run = runs[active];
        if (run) onOpenRun(run);
      },
    };
    const action = keys[event.key];
    if (action) {
      event.preventDefault();
      action();
    }
  };

  const rows: ReactNode[] = [];
  for (let index = start; index < end; index++) {
    const run = runs[index];
    if (!run) continue;
    const isActive = index === active;
    rows.push(
      <div
        key={run.info.run_id}
        id={`${idPrefix}-row-${index}`}
        role="row"
        aria-rowindex={index + 2}
        aria-selected={isActive}
        className={`runs-row${isActive ? " is-active" : ""}`}
        style={{ top: index * rowHeight, height: rowHeight, gridTemplateColumns: template, width: totalWidth }}
        onClick={() => setActive(index)}
        onDoubleClick={() => onOpenRun(run)}
      >
        {columns.map((column) => (
          <div key={column.id} role="gridcell" className={`runs-cell${column.numeric ? " is-numeric" : ""}`}>
            {column.render(run)}
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
      aria-rowcount={hasMore ? -1 : runs.length + 1}
      aria-colcount={columns.length}
      aria-busy={loading}
      aria-activedescendant={runs.length ? `${idPrefix}-row-${active}` : undefined}
      tabIndex={0}
      onKeyDown={onKeyDown}
    >
      <div role="row" aria-rowindex={1} className="runs-header" style={{ gridTemplateColumns: template, width: totalWidth, height: HEADER_HEIGHT }}>
        {columns.map((column) => (
          <div key={column.id} role="columnheader" aria-sort={ariaSort(sort, column)} className={`runs-headcell${column.numeric ? " is-numeric" : ""}`}>
            {column.sortable ? (
              <button type="button" className="sort-button" onClick={() => onSort(column.id)} title={`Sort by ${column.header}`}>
                <span className="head-text">
                  {column.group && <span className="head-group">{column.group}</span>}
                  <span className="head-key">{column.header}</span>
                </span>
                <span className="sort-mark" aria-hidden="true">
                  {sort?.columnId === column.id ? (sort.descending ? "▼" : "▲") : ""}
                </span>
              </button>
            ) : (
              <span className="head-text">
                {column.group && <span className="head-group">{column.group}</span>}
                <span className="head-key">{column.header}</span>
              </span>
            )}
          </div>
        ))}
      </div>
      <div role="rowgroup" className="runs-body" style={{ height: runs.length * rowHeight, width: totalWidth }}>
        {rows}
      </div>
    </div>
  );
}
