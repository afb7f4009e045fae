// Runs side by side (`/compare?runs=a,b,c`): each metric's histories overlaid, parallel coordinates
// from params to a metric, a scatter of any two columns, and a table of params, metrics and tags
// with the differences marked. Chart options (x axis, log scale, smoothing) live in the URL too.
import { useEffect, useMemo } from "react";
import { ApiError } from "../api/client";
import { getRun } from "../api/mlflow";
import type { Run } from "../api/types";
import { ChartOptions } from "../components/ChartOptions";
import { CompareChart } from "../components/CompareChart";
import { DiffTable } from "../components/DiffTable";
import { ErrorBanner } from "../components/ErrorBanner";
import { ParallelCoordinatesPanel } from "../components/ParallelCoordinates";
import { ScatterPanel } from "../components/ScatterPlot";
import { chartSettingsParams, readChartSettings } from "../lib/chartSettings";
import { keysOf } from "../lib/compare";
import type { CompareRun } from "../lib/compareRuns";
import { plural } from "../lib/format";
import { colorOf } from "../lib/palette";
import { Link, navigate, paths, setSearchParams, useLocation } from "../lib/router";
import { useApi } from "../lib/useApi";

interface Loaded {
  runs: Run[];
  missing: { runId: string; error: ApiError }[];
}

/** Every run that loads; the ones that do not are listed, not fatal. */
async function loadRuns(runIds: readonly string[], signal: AbortSignal): Promise<Loaded> {
  const results = await Promise.allSettled(runIds.map((id) => getRun(id, signal)));
  const loaded: Loaded = { runs: [], missing: [] };
  results.forEach((result, i) => {
    if (result.status === "fulfilled") loaded.runs.push(result.value.run);
    else if (result.reason instanceof DOMException && result.reason.name === "AbortError") throw result.reason;
    else {
      const error = result.reason instanceof ApiError ? result.reason : new ApiError(0, "INTERNAL_ERROR", String(result.reason));
      loaded.missing.push({ runId: runIds[i] ?? "", error });
    }
  });
  if (loaded.runs.length === 0 && loaded.missing[0]) throw loaded.missing[0].error;
  return loaded;
}

function NothingToCompare() {
  return (
    <div className="empty-state">
      <p>No runs to compare yet.</p>
      <p className="muted">
        Open an experiment from the <Link to={paths.experiments()}>experiments page</Link>, tick two or more runs in its table and
        press “Compare”.
      </p>
    </div>
  );
}

export function ComparePage({ runIds }: { runIds: string[] }) {
  const { search } = useLocation();
  const settings = readChartSettings(search);
  const key = runIds.join(",");
  const result = useApi((signal) => (key ? loadRuns(key.split(","), signal) : Promise.resolve({ runs: [], missing: [] })), [key]);
  const compared: CompareRun[] = useMemo(
    () => (result.data?.runs ?? []).map((run, i) => ({ run, name: run.info.run_name || run.info.run_id.slice(0, 8), color: colorOf(i) })),
    [result.data],
  );
  const metricKeys = useMemo(() => keysOf(compared.map((c) => c.run), "metric"), [compared]);

  useEffect(() => {
    document.title = `Compare ${plural(runIds.length, "run")} · keel`;
  }, [runIds.length]);

  const remove = (runId: string) => {
    const rest = runIds.filter((id) => id !== runId);
    const query = new URLSearchParams(window.location.search);
    query.delete("runs");
    const others = query.toString();
    navigate(paths.compare(rest) + (others ? `&${others}` : ""), { replace: true });
  };

  return (
    <section className="page compare-page" aria-labelledby="compare-title">
      <nav aria-label="Breadcrumb" className="breadcrumb">
        <Link to={paths.experiments()}>Experiments</Link> <span aria-hidden="true">/</span>
      </nav>
      <header className="page-header">
        <h1 id="compare-title">Compare {runIds.length ? plural(runIds.length, "run") : "runs"}</h1>
      </header>
      {runIds.length === 0 && <NothingToCompare />}
      {result.error && <ErrorBanner error={result.error} onRetry={result.reload} />}
      {result.loading && !result.data && runIds.length > 0 && <p className="table-status">Loading runs…</p>}
      {result.data?.missing.map(({ runId, error }) => (
        <div key={runId} className="notice" role="status">
          <p>
            Run <code>{runId}</code> is left out: {error.message}
          </p>
        </div>
      ))}
      {compared.length > 0 && (
        <>
          <ul className="compare-runs" aria-label="Compared runs">
            {compared.map(({ run, name, color }) => (
              <li key={run.info.run_id}>
                <span className="swatch" style={{ background: color }} aria-hidden="true" />
                <Link to={paths.run(run.info.experiment_id, run.info.run_id)}>{name}</Link>
                <button type="button" className="link-button" onClick={() => remove(run.info.run_id)} aria-label={`Remove ${name} from the comparison`}>
                  ×
                </button>
              </li>
            ))}
          </ul>
          {compared.length === 1 && <p className="muted">Add another run to see differences: one run has nothing to compare with.</p>}

          <section aria-labelledby="compare-metrics" className="run-section">
            <h2 id="compare-metrics">Metrics ({metricKeys.length})</h2>
            {metricKeys.length === 0 ? (
              <p className="muted">None of these runs logged metrics.</p>
            ) : (
              <>
                <div className="chart-toolbar">
                  <ChartOptions showXAxis value={settings} onChange={(next) => setSearchParams(chartSettingsParams(next), { replace: true })} />
                  <p className="muted small-print">Hover to read values; drag across a chart to zoom, double-click to zoom out.</p>
                </div>
                <div className="chart-grid">
                  {metricKeys.map((metricKey) => (
                    <div key={metricKey} className="chart-card">
                      <CompareChart runs={compared} metricKey={metricKey} settings={settings} />
                    </div>
                  ))}
                </div>
              </>
            )}
          </section>

          <section aria-labelledby="compare-parallel" className="run-section">
            <h2 id="compare-parallel">Parallel coordinates</h2>
            <ParallelCoordinatesPanel runs={compared} />
          </section>

          <section aria-labelledby="compare-scatter" className="run-section">
            <h2 id="compare-scatter">Scatter</h2>
            <ScatterPanel runs={compared} />
          </section>

          <section aria-labelledby="compare-diff" className="run-section">
            <h2 id="compare-diff">Parameters, metrics and tags</h2>
            <DiffTable runs={compared} />
          </section>
        </>
      )}
    </section>
  );
}
