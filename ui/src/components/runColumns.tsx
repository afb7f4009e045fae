// The columns of the runs table: the run's own fields, then the chosen metrics, params and tags.
import type { Run } from "../api/types";
import { cellValue, columnId, type ColumnRef } from "../lib/columns";
import { formatDuration, formatNumber, formatTime } from "../lib/format";
import { Link, paths } from "../lib/router";
import type { TableColumn } from "./RunsTable";
import { StatusBadge } from "./StatusBadge";

/** `experimentNames` set: the runs come from several experiments, and a column says whose each is. */
export function attributeColumns(experimentNames?: ReadonlyMap<string, string>): TableColumn[] {
  const columns: TableColumn[] = [
    {
      id: "attributes.run_name",
      header: "Run",
      width: 250,
      sortable: true,
      render: (run) => (
        <Link to={paths.run(run.info.experiment_id, run.info.run_id)} tabIndex={-1} className="run-link">
          {run.info.run_name || run.info.run_id}
        </Link>
      ),
    },
  ];
  if (experimentNames) {
    columns.push({
      id: "experiment",
      header: "Experiment",
      width: 160,
      sortable: false,
      render: (run) => (
        <Link to={paths.runs(run.info.experiment_id)} tabIndex={-1}>
          {experimentNames.get(run.info.experiment_id) ?? run.info.experiment_id}
        </Link>
      ),
    });
  }
  columns.push(
    { id: "attributes.status", header: "Status", width: 100, sortable: true, render: (run) => <StatusBadge status={run.info.status} /> },
    { id: "attributes.start_time", header: "Created", width: 165, sortable: true, render: (run) => formatTime(run.info.start_time) },
    {
      id: "duration",
      header: "Duration",
      width: 90,
      sortable: false,
      render: (run) => formatDuration(run.info.start_time, run.info.end_time),
    },
    { id: "attributes.user_id", header: "User", width: 110, sortable: true, render: (run) => run.info.user_id ?? "" },
  );
  return columns;
}

/** A metric's mean over a group's runs (those that logged it), for the group's header row. */
function meanOf(column: ColumnRef) {
  return (runs: readonly Run[]) => {
    const values = runs.map((run) => cellValue(run, column)).filter((v): v is number => typeof v === "number" && Number.isFinite(v));
    if (values.length === 0) return null;
    const mean = values.reduce((sum, v) => sum + v, 0) / values.length;
    return (
      <span className="aggregate" title={`Mean of ${values.length} ${values.length === 1 ? "run" : "runs"}`}>
        <span className="aggregate-label">mean</span> {formatNumber(mean)}
      </span>
    );
  };
}

export function dataColumn(column: ColumnRef): TableColumn {
  return {
    id: columnId(column),
    header: column.key,
    group: column.kind === "metric" ? "metric" : column.kind === "param" ? "param" : "tag",
    width: 130,
    sortable: true,
    numeric: column.kind === "metric",
    ...(column.kind === "metric" ? { aggregate: meanOf(column) } : {}),
    render: (run: Run) => {
      const value = cellValue(run, column);
      return typeof value === "number" ? formatNumber(value) : (value ?? "");
    },
  };
}
