// The runs of one experiment, or of several side by side: filter, sort by any column, pick metric,
// param and tag columns, group by a param or tag, fold child runs under their parent, and select
// runs to compare. Filter, sort, columns and grouping live in the URL.
import { useCallback, useEffect, useMemo, useState } from "react";
import { ApiError } from "../api/client";
import { getExperiment, restoreExperiment } from "../api/mlflow";
import type { Experiment } from "../api/types";
import { ColumnPicker } from "../components/ColumnPicker";
import { ErrorBanner } from "../components/ErrorBanner";
import { FilterBox } from "../components/FilterBox";
import { GroupByPicker } from "../components/GroupByPicker";
import { RunsTable, type SortState } from "../components/RunsTable";
import { attributeColumns, dataColumn } from "../components/runColumns";
import { columnId, orderByClause, parseColumnId, type ColumnRef } from "../lib/columns";
import { plural } from "../lib/format";
import { Link, navigate, paths, setSearchParams, useLocation } from "../lib/router";
import { buildRows, type TableRow } from "../lib/runTree";
import { useApi } from "../lib/useApi";
import { useRunSearch } from "../lib/useRunSearch";

const DEFAULT_METRIC_COLUMNS = 6;
const DEFAULT_PARAM_COLUMNS = 4;
/** Grouping needs every run: pages are fetched on their own up to this many. */
export const GROUP_LOAD_LIMIT = 5000;
/** Columns sorted largest-first on their first click. */
const DESCENDING_FIRST = new Set(["attributes.start_time", "attributes.end_time"]);

function toggled(set: ReadonlySet<string>, key: string): Set<string> {
  const next = new Set(set);
  if (next.has(key)) next.delete(key);
  else next.add(key);
  return next;
}

function Heading({ experimentIds, experiments, error }: { experimentIds: string[]; experiments: Experiment[] | null; error: boolean }) {
  if (experimentIds.length === 1) {
    const name = experiments?.[0]?.name;
    return (
      <header className="page-header">
        <h1 id="runs-title">{name ?? (error ? `Experiment ${experimentIds[0]}` : "…")}</h1>
        <span className="muted">ID {experimentIds[0]}</span>
      </header>
    );
  }
  return (
    <header className="page-header">
      <h1 id="runs-title">Runs of {plural(experimentIds.length, "experiment")}</h1>
      <ul className="inline-list" aria-label="Experiments">
        {experimentIds.map((id) => (
          <li key={id}>
            <Link to={paths.runs(id)}>{experiments?.find((e) => e.experiment_id === id)?.name ?? id}</Link>
          </li>
        ))}
      </ul>
    </header>
  );
}

export function RunsPage({ experimentIds }: { experimentIds: string[] }) {
  const { search } = useLocation();
  const filter = search.get("filter") ?? "";
  const sortId = search.get("sort");
  const sort: SortState | null = sortId ? { columnId: sortId, descending: search.get("dir") !== "asc" } : null;
  const sortRef = sortId ? parseColumnId(sortId) : null;
  const orderClause = sortRef ? orderByClause(sortRef, sort?.descending ?? true) : null;
  const orderBy = useMemo(() => (orderClause ? [orderClause] : []), [orderClause]);
  const groupParam = search.get("group");
  const groupBy = useMemo(() => {
    const parsed = groupParam ? parseColumnId(groupParam) : null;
    return parsed && (parsed.kind === "param" || parsed.kind === "tag") ? parsed : null;
  }, [groupParam]);
  const idsKey = experimentIds.join(",");
  const multi = experimentIds.length > 1;

  const experiments = useApi(
    (signal) => Promise.all(idsKey.split(",").map((id) => getExperiment(id, signal).then((r) => r.experiment))),
    [idsKey],
  );
  const ids = useMemo(() => idsKey.split(","), [idsKey]);
  const result = useRunSearch({ experimentIds: ids, filter, orderBy });
  const [selected, setSelected] = useState<ReadonlySet<string>>(new Set());
  const [collapsedGroups, setCollapsedGroups] = useState<ReadonlySet<string>>(new Set());
  const [expandedRuns, setExpandedRuns] = useState<ReadonlySet<string>>(new Set());

  // The columns the URL names (`col=metrics.acc&col=params.lr`), else the first keys the runs have.
  const columnParam = search.has("col") ? search.getAll("col").join("\n") : null;
  const { metricKeys, paramKeys, tagKeys } = result;
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

  const experimentNames = useMemo(() => {
    if (!multi) return undefined;
    return new Map((experiments.data ?? []).map((e) => [e.experiment_id, e.name]));
  }, [multi, experiments.data]);
  const columns = useMemo(() => [...attributeColumns(experimentNames), ...chosen.map(dataColumn)], [experimentNames, chosen]);
  const rows = useMemo(
    () => buildRows(result.runs, { groupBy, collapsedGroups, expandedRuns }),
    [result.runs, groupBy, collapsedGroups, expandedRuns],
  );
  const allRunIds = useMemo(() => result.runs.map((run) => run.info.run_id), [result.runs]);

  const single = !multi ? experiments.data?.[0] : undefined;
  const name = single?.name;
  useEffect(() => {
    document.title = name ? `${name} · keel` : multi ? `Runs of ${experimentIds.length} experiments · keel` : "Runs · keel";
  }, [name, multi, experimentIds.length]);

  // Groups are only right over every run: fetch the remaining pages while grouped.
  const { hasMore, loading, loadMore } = result;
  const count = result.runs.length;
  useEffect(() => {
    if (groupBy && hasMore && !loading && count < GROUP_LOAD_LIMIT) loadMore();
  }, [groupBy, hasMore, loading, count, loadMore]);

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
    navigate(`${window.location.pathname}?${query.toString()}`, { replace: true });
  };

  const onToggleRow = useCallback((row: TableRow) => {
    if (row.kind === "group") setCollapsedGroups((old) => toggled(old, row.key));
    else setExpandedRuns((old) => toggled(old, row.run.info.run_id));
  }, []);

  const onSelect = useCallback((runIds: readonly string[], on: boolean) => {
    setSelected((old) => {
      const next = new Set(old);
      for (const id of runIds) {
        if (on) next.add(id);
        else next.delete(id);
      }
      return next;
    });
  }, []);

  const [restoreError, setRestoreError] = useState<ApiError | null>(null);
  const restore = () => {
    if (!single) return;
    restoreExperiment(single.experiment_id)
      .then(() => {
        setRestoreError(null);
        experiments.reload();
        result.reload();
      })
      .catch((cause: unknown) => setRestoreError(cause instanceof ApiError ? cause : new ApiError(0, "INTERNAL_ERROR", String(cause))));
  };

  const filterError = result.error?.isInvalidParameter && filter ? result.error.message : null;
  const otherError = result.error && !filterError ? result.error : null;
  const groupCount = rows.filter((row) => row.kind === "group").length;
  const chosenRuns = allRunIds.filter((id) => selected.has(id));
  const label = multi ? `Runs of ${plural(experimentIds.length, "experiment")}` : `Runs of ${name ?? `experiment ${experimentIds[0]}`}`;

  let status: string;
  if (filterError) status = "No runs shown until the filter reads right.";
  else if (result.loading && count === 0) status = "Loading runs…";
  else if (groupBy && hasMore && count < GROUP_LOAD_LIMIT) status = `${plural(count, "run")} loaded · loading the rest to group them…`;
  else if (groupBy) status = `${plural(count, "run")} in ${plural(groupCount, "group")}${hasMore ? ` (grouped the first ${plural(count, "run")})` : ""}`;
  else if (hasMore) status = `${plural(count, "run")} loaded · more load as you scroll`;
  else status = plural(count, "run");

  return (
    <section className="page runs-page" aria-labelledby="runs-title">
      <nav aria-label="Breadcrumb" className="breadcrumb">
        <Link to={paths.experiments()}>Experiments</Link> <span aria-hidden="true">/</span>
      </nav>
      <Heading experimentIds={experimentIds} experiments={experiments.data} error={Boolean(experiments.error)} />
      {experiments.error && <ErrorBanner error={experiments.error} onRetry={experiments.reload} />}
      {single?.lifecycle_stage === "deleted" && (
        <div className="notice" role="status">
          <p>This experiment is deleted.</p>
          <button type="button" className="secondary small" onClick={restore}>
            Restore it
          </button>
        </div>
      )}
      {restoreError && <ErrorBanner error={restoreError} />}
      <div className="toolbar">
        <FilterBox value={filter} error={filterError} busy={result.loading} onApply={(next) => setSearchParams({ filter: next || null })} />
        <GroupByPicker
          paramKeys={paramKeys}
          tagKeys={tagKeys}
          value={groupBy}
          onChange={(next) => setSearchParams({ group: next ? columnId(next) : null }, { replace: true })}
        />
        <ColumnPicker metricKeys={metricKeys} paramKeys={paramKeys} tagKeys={tagKeys} selected={chosen} onChange={onColumns} />
      </div>
      {otherError && <ErrorBanner error={otherError} onRetry={result.reload} />}
      <div className="table-bar">
        <p className="table-status" aria-live="polite">
          {status}
          {sort && !filterError && ` · sorted by ${sort.columnId} ${sort.descending ? "descending" : "ascending"}`}
        </p>
        <div className="selection-bar" role="group" aria-label="Selected runs">
          <span className="muted">{chosenRuns.length ? `${plural(chosenRuns.length, "run")} selected` : "Select runs to compare them"}</span>
          <button type="button" disabled={chosenRuns.length < 2} onClick={() => navigate(paths.compare(chosenRuns))}>
            Compare{chosenRuns.length >= 2 ? ` ${chosenRuns.length}` : ""}
          </button>
          {chosenRuns.length > 0 && (
            <button type="button" className="secondary" onClick={() => setSelected(new Set())}>
              Clear selection
            </button>
          )}
        </div>
      </div>
      {filterError ? null : count === 0 && !result.loading && !result.error ? (
        <div className="empty-state">
          {filter ? (
            <p>No runs match this filter.</p>
          ) : (
            <>
              <p>{multi ? "These experiments have no runs yet." : "This experiment has no runs yet."}</p>
              <p className="muted">
                Log one with <code>keel.start_run()</code> or MLflow's client pointed at this server.
              </p>
            </>
          )}
        </div>
      ) : (
        <RunsTable
          label={label}
          rows={rows}
          columns={columns}
          sort={sort}
          onSort={onSort}
          onOpenRun={(run) => navigate(paths.run(run.info.experiment_id, run.info.run_id))}
          onToggleRow={onToggleRow}
          selection={{ selected, all: allRunIds, onChange: onSelect }}
          hasMore={result.hasMore}
          loading={result.loading}
          onLoadMore={result.loadMore}
        />
      )}
    </section>
  );
}
