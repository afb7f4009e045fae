// One run: what it is, its parameters, tags and datasets, and a chart per metric.
// A running run is polled so its charts follow along.
import { useEffect } from "react";
import { getRun } from "../api/mlflow";
import { toNumber, type KeyValue, type Run } from "../api/types";
import { ErrorBanner } from "../components/ErrorBanner";
import { MetricChart } from "../components/MetricChart";
import { StatusBadge } from "../components/StatusBadge";
import { formatDuration, formatNumber, formatTime, plural } from "../lib/format";
import { Link, paths } from "../lib/router";
import { useApi } from "../lib/useApi";

const LIVE_POLL_MS = 5000;
const SYSTEM_TAG_PREFIX = "mlflow.";

function KeyValueTable({ caption, rows, empty }: { caption: string; rows: readonly KeyValue[]; empty: string }) {
  if (rows.length === 0) return <p className="muted">{empty}</p>;
  return (
    <div className="table-scroll">
      <table className="simple-table kv-table">
        <caption className="sr-only">{caption}</caption>
        <thead>
          <tr>
            <th scope="col">Key</th>
            <th scope="col">Value</th>
          </tr>
        </thead>
        <tbody>
          {[...rows]
            .sort((a, b) => a.key.localeCompare(b.key))
            .map((row) => (
              <tr key={row.key}>
                <th scope="row">{row.key}</th>
                <td className="kv-value">{row.value}</td>
              </tr>
            ))}
        </tbody>
      </table>
    </div>
  );
}

function RunDetails({ run, experimentId }: { run: Run; experimentId: string }) {
  const { info, data } = run;
  const metrics = [...(data.metrics ?? [])].sort((a, b) => a.key.localeCompare(b.key));
  const tags = data.tags ?? [];
  const userTags = tags.filter((t) => !t.key.startsWith(SYSTEM_TAG_PREFIX));
  const systemTags = tags.filter((t) => t.key.startsWith(SYSTEM_TAG_PREFIX));
  const datasets = run.inputs?.dataset_inputs ?? [];
  const duration = formatDuration(info.start_time, info.end_time);

  return (
    <>
      <dl className="run-facts">
        <div>
          <dt>Status</dt>
          <dd>
            <StatusBadge status={info.status} />
          </dd>
        </div>
        <div>
          <dt>Run ID</dt>
          <dd>
            <code>{info.run_id}</code>
          </dd>
        </div>
        <div>
          <dt>Created</dt>
          <dd>{formatTime(info.start_time)}</dd>
        </div>
        {duration && (
          <div>
            <dt>Duration</dt>
            <dd>{duration}</dd>
          </div>
        )}
        {info.user_id && (
          <div>
            <dt>User</dt>
            <dd>{info.user_id}</dd>
          </div>
        )}
        <div>
          <dt>Experiment</dt>
          <dd>
            <Link to={paths.runs(experimentId)}>{experimentId}</Link>
          </dd>
        </div>
      </dl>

      <section aria-labelledby="metrics-title" className="run-section">
        <h2 id="metrics-title">Metrics ({metrics.length})</h2>
        {metrics.length === 0 ? (
          <p className="muted">No metrics logged.</p>
        ) : (
          <>
            <p className="muted small-print">Drag across a chart to zoom into those steps; double-click to zoom out.</p>
            <div className="chart-grid">
              {metrics.map((metric) => (
                <div key={metric.key} className="chart-card">
                  <MetricChart runId={info.run_id} metricKey={metric.key} version={`${metric.step}:${metric.timestamp}`} />
                  <p className="latest">
                    latest <strong>{formatNumber(toNumber(metric.value))}</strong> at step {formatNumber(metric.step)}
                  </p>
                </div>
              ))}
            </div>
          </>
        )}
      </section>

      <div className="two-columns">
        <section aria-labelledby="params-title" className="run-section">
          <h2 id="params-title">Parameters ({data.params?.length ?? 0})</h2>
          <KeyValueTable caption="Parameters" rows={data.params ?? []} empty="No parameters logged." />
        </section>
        <section aria-labelledby="tags-title" className="run-section">
          <h2 id="tags-title">Tags ({userTags.length})</h2>
          <KeyValueTable caption="Tags" rows={userTags} empty="No tags set." />
          {systemTags.length > 0 && (
            <details className="system-tags">
              <summary>{plural(systemTags.length, "system tag")}</summary>
              <KeyValueTable caption="System tags" rows={systemTags} empty="" />
            </details>
          )}
        </section>
      </div>

      <section aria-labelledby="datasets-title" className="run-section">
        <h2 id="datasets-title">Datasets ({datasets.length})</h2>
        {datasets.length === 0 ? (
          <p className="muted">No datasets logged.</p>
        ) : (
          <ul className="dataset-list">
            {datasets.map((input) => (
              <li key={`${input.dataset.name}-${input.dataset.digest}`}>
                <strong>{input.dataset.name}</strong> <code>{input.dataset.digest}</code>{" "}
                <span className="muted">
                  {input.dataset.source_type}
                  {input.tags?.find((t) => t.key === "mlflow.data.context")?.value
                    ? ` · ${input.tags.find((t) => t.key === "mlflow.data.context")?.value}`
                    : ""}
                </span>
              </li>
            ))}
          </ul>
        )}
      </section>
    </>
  );
}

export function RunPage({ experimentId, runId }: { experimentId: string; runId: string }) {
  const result = useApi((signal) => getRun(runId, signal), [runId]);
  const run = result.data?.run;
  const running = run?.info.status === "RUNNING";
  const name = run?.info.run_name || runId;

  useEffect(() => {
    document.title = `${name} · keel`;
  }, [name]);

  // Live: a running run is fetched again every few seconds; each chart refetches when its metric moved.
  const { reload } = result;
  useEffect(() => {
    if (!running) return;
    const timer = window.setInterval(reload, LIVE_POLL_MS);
    return () => window.clearInterval(timer);
  }, [running, reload]);

  return (
    <section className="page run-page" aria-labelledby="run-title">
      <nav aria-label="Breadcrumb" className="breadcrumb">
        <Link to={paths.experiments()}>Experiments</Link> <span aria-hidden="true">/</span>{" "}
        <Link to={paths.runs(experimentId)}>Experiment {experimentId}</Link> <span aria-hidden="true">/</span>
      </nav>
      <header className="page-header">
        <h1 id="run-title">{run ? name : result.error ? "Run not found" : "…"}</h1>
        {running && <span className="live-dot">live</span>}
      </header>
      {result.error && <ErrorBanner error={result.error} onRetry={result.reload} />}
      {!run && result.loading && <p className="table-status">Loading run…</p>}
      {run && <RunDetails run={run} experimentId={experimentId} />}
    </section>
  );
}
