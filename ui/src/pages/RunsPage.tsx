// An experiment's runs: filter, sort by any column, pick metric/param columns; all kept in the URL.
import { useCallback, useEffect, useMemo } from "react";
import { getExperiment } from "../api/mlflow";
import type { Run } from "../api/types";
import { ColumnPicker } from "../components/ColumnPicker";
import { ErrorBanner } from "../components/ErrorBanner";
import { FilterBox } from "../components/FilterBox";
import { RunsTable, type SortState, type TableColumn } from "../components/RunsTable";
import { StatusBadge } from "../components/StatusBadge";
import { cellValue, columnId, orderByClause, parseColumnId, type ColumnRef } from "../lib/columns";
import { formatDuration, formatNumber, formatTime, plural } from "../lib/format";
import { Link, navigate, paths, setSearchParams, useLocation } from "../lib/router";
import { useApi } from "../lib/useApi";
import { useRunSearch } from "../lib/useRunSearch";

const DEFAULT_METRIC_COLUMNS = 6;
const DEFAULT_PARAM_COLUMNS = 4;
/** Columns sorted largest-first on their first click. */
const DESCENDING_FIRST = new Set(["attributes.start_time", "attributes.end_time"]);

function attributeColumns(experimentId: string): TableColumn[] {
  return [
    {
      id: "attributes.run_name",
      header: "Run",
      width: 230,
      sortable: true,
      render: (run) => (
        <Link to={paths.run(experimentId, run.info.run_id)} tabIndex={-1} className="run-link">
          {run.info.run_name || run.info.run_id}
        </Link>
      ),
    },
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
  ];
}

function dataColumn(column: ColumnRef): TableColumn {
  const numeric = column.kind === "metric";
  return {
    id: columnId(column),
    header: column.key,
    group: column.kind === "metric" ? "metric" : column.kind === "param" ? "param" : "tag",
    width: 130,
    sortable: true,
    numeric,
    render: (run: Run) => {
      const value = cellValue(run, column);
      return typeof value === "number" ? formatNumber(value) : (value ?? "");
    },
  };
}

export function RunsPage({ experimentId }: { experimentId: string }) {
  const { search } = useLocation();
  const filter = search.get("filter") ?? "";
  const sortId = search.get("sort");
  const sort: SortState | null = sortId ? { columnId: sortId, descending: search.get("dir") !== "asc" } : null;
  const sortRef = sortId ? parseColumnId(sortId) : null;
  const orderClause = sortRef ? orderByClause(sortRef, sort?.descending ?? true) : null;
  const orderBy = useMemo(() => (orderClause ? [orderClause] : []), [orderClause]);

  const experiment = useApi((signal) => getExperiment(experimentId, signal), [experimentId]);
  const result = useRunSearch({ experimentId, filter, orderBy });

  // The columns the URL names (`col=metrics.acc&col=params.lr`), else the first keys the runs have.
  const columnParam = search.has("col") ? search.getAll("col").join("\n") : null;
  const { metricKeys, paramKeys } = result;
  const chosen: ColumnRef[] = useMemo(() => {
    if (columnParam !== null) {
      return columnParam
        .split("\n")
        .map(parseColumnId)
        .filter((c): c is ColumnRef => c !== null);
    }
    return [
      ...metricKeys.slice(0, DEFAULT_METRIC_COLUMNS).map((key) => ({ kind: "metric" as const, key })),
      ...paramKeys.slice(0, DEFAULT_PARAM_COLUMNS).map((key) => ({ kind: "param" as const, key })),
    ];
  }, [columnParam, metricKeys, paramKeys]);

  const columns = useMemo(() => [...attributeColumns(experimentId), ...chosen.map(dataColumn)], [experimentId, chosen]);

  const name = experiment.data?.experiment.name;
  useEffect(() => {
    document.title = name ? `${name} · keel` : "Runs · keel";
  }, [name]);

  const onSort = useCallback(
    (id: string) => {
      const descending = sort?.columnId === id ? !sort.descending : DESCENDING_FIRST.has(id) || id.startsWith("metrics.");
      setSearchParams({ sort: id, dir: descending ? "desc" : "asc" });
    },
    [sort],
  );

  const onColumns = (next: ColumnRef[]) => {
    const query = new URLSearchParams(window.location.search);
    query.delete("col");
    if (next.length === 0) query.append("col", "");
    for (const column of next) query.append("col", columnId(column));
    navigate(paths.runs(experimentId, query), { replace: true });
  };

  const filterError = result.error?.isInvalidParameter && filter ? result.error.message : null;
  const otherError = result.error && !filterError ? result.error : null;
  const count = result.runs.length;

  return (
    <section className="page runs-page" aria-labelledby="runs-title">
      <nav aria-label="Breadcrumb" className="breadcrumb">
        <Link to={paths.experiments()}>Experiments</Link> <span aria-hidden="true">/</span>
      </nav>
      <header className="page-header">
        <h1 id="runs-title">{name ?? (experiment.error ? `Experiment ${experimentId}` : "…")}</h1>
        <span className="muted">ID {experimentId}</span>
      </header>
      {experiment.error && <ErrorBanner error={experiment.error} onRetry={experiment.reload} />}
      <div className="toolbar">
        <FilterBox
          value={filter}
          error={filterError}
          busy={result.loading}
          onApply={(next) => setSearchParams({ filter: next || null })}
        />
        <ColumnPicker metricKeys={result.metricKeys} paramKeys={result.paramKeys} selected={chosen} onChange={onColumns} />
      </div>
      {otherError && <ErrorBanner error={otherError} onRetry={result.reload} />}
      <p className="table-status" aria-live="polite">
        {filterError
          ? "No runs shown until the filter reads right."
          : result.loading && count === 0
            ? "Loading runs…"
            : result.hasMore
              ? `${plural(count, "run")} loaded · more load as you scroll`
              : plural(count, "run")}
        {sort && !filterError && ` · sorted by ${sort.columnId} ${sort.descending ? "descending" : "ascending"}`}
      </p>
      {filterError ? null : count === 0 && !result.loading && !result.error ? (
        <div className="empty-state">
          {filter ? (
            <p>No runs match this filter.</p>
          ) : (
            <>
              <p>This experiment has no runs yet.</p>
              <p className="muted">
                Log one with <code>keel.start_run()</code> or MLflow's client pointed at this server.
              </p>
            </>
          )}
        </div>
      ) : (
        <RunsTable
          label={`Runs of ${name ?? `experiment ${experimentId}`}`}
          runs={result.runs}
          columns={columns}
          sort={sort}
          onSort={onSort}
          onOpenRun={(run) => navigate(paths.run(experimentId, run.info.run_id))}
          hasMore={result.hasMore}
          loading={result.loading}
          onLoadMore={result.loadMore}
        />
      )}
    </section>
  );
}
