// One run: what it is, its description, a chart per metric, its parameters, editable tags and
// datasets (the Overview tab), and its artifacts (the Artifacts tab, `?tab=artifacts`).
// A running run is polled so its charts follow along.
import { useEffect } from "react";
import { getExperiment, getRun } from "../api/mlflow";
import { toNumber, type KeyValue, type Run } from "../api/types";
import { ArtifactBrowser } from "../components/ArtifactBrowser";
import { RegisterModelButton } from "../components/RegisterModel";
import { RunModels } from "../components/RunModels";
import { ChartOptions } from "../components/ChartOptions";
import { DatasetList } from "../components/DatasetList";
import { DescriptionEditor, NOTE_TAG } from "../components/DescriptionEditor";
import { ErrorBanner } from "../components/ErrorBanner";
import { MetricChart } from "../components/MetricChart";
import { StatusBadge } from "../components/StatusBadge";
import { TagEditor } from "../components/TagEditor";
import { Tabs } from "../components/Tabs";
import { chartSettingsParams, readChartSettings, type ChartSettings } from "../lib/chartSettings";
import { formatDuration, formatNumber, formatTime, plural } from "../lib/format";
import { Link, paths, setSearchParams, useLocation } from "../lib/router";
import { PARENT_TAG } from "../lib/runTree";
import { useApi } from "../lib/useApi";

type RunTab = "overview" | "artifacts";

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

function RunFacts({ run, experimentId }: { run: Run; experimentId: string }) {
  const { info } = run;
  const duration = formatDuration(info.start_time, info.end_time);
  const parent = run.data.tags?.find((t) => t.key === PARENT_TAG)?.value;
  return (
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
      {parent && (
        <div>
          <dt>Parent run</dt>
          <dd>
            <Link to={paths.run(experimentId, parent)}>
              <code>{parent.slice(0, 12)}</code>
            </Link>
          </dd>
        </div>
      )}
      {info.lifecycle_stage === "deleted" && (
        <div>
          <dt>Lifecycle</dt>
          <dd>deleted</dd>
        </div>
      )}
    </dl>
  );
}

function Overview({ run, onChanged, settings }: { run: Run; onChanged: () => void; settings: ChartSettings }) {
  const { info, data } = run;
  const metrics = [...(data.metrics ?? [])].sort((a, b) => a.key.localeCompare(b.key));
  const tags = data.tags ?? [];
  const userTags = tags.filter((t) => !t.key.startsWith(SYSTEM_TAG_PREFIX));
  const systemTags = tags.filter((t) => t.key.startsWith(SYSTEM_TAG_PREFIX) && t.key !== NOTE_TAG);
  const note = tags.find((t) => t.key === NOTE_TAG)?.value ?? null;

  return (
    <>
      <section aria-labelledby="description-title" className="run-section">
        <h2 id="description-title">Description</h2>
        <DescriptionEditor runId={info.run_id} text={note} onChanged={onChanged} />
      </section>

      <section aria-labelledby="metrics-title" className="run-section">
        <h2 id="metrics-title">Metrics ({metrics.length})</h2>
        {metrics.length === 0 ? (
          <p className="muted">No metrics logged.</p>
        ) : (
          <>
            <div className="chart-toolbar">
              <ChartOptions value={settings} onChange={(next) => setSearchParams(chartSettingsParams(next), { replace: true })} />
              <p className="muted small-print">Hover to read values; drag across a chart to zoom into those steps, double-click to zoom out.</p>
            </div>
            <div className="chart-grid">
              {metrics.map((metric) => (
                <div key={metric.key} className="chart-card">
                  <MetricChart runId={info.run_id} metricKey={metric.key} version={`${metric.step}:${metric.timestamp}`} settings={settings} />
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
          <TagEditor runId={info.run_id} tags={userTags} onChanged={onChanged} />
          {systemTags.length > 0 && (
            <details className="system-tags">
              <summary>{plural(systemTags.length, "system tag")}</summary>
              <KeyValueTable caption="System tags" rows={systemTags} empty="" />
            </details>
          )}
        </section>
      </div>

      <section aria-labelledby="datasets-title" className="run-section">
        <h2 id="datasets-title">Datasets ({run.inputs?.dataset_inputs?.length ?? 0})</h2>
        <DatasetList inputs={run.inputs?.dataset_inputs ?? []} />
      </section>
    </>
  );
}

export function RunPage({ experimentId, runId }: { experimentId: string; runId: string }) {
  const { search } = useLocation();
  const tab: RunTab = search.get("tab") === "artifacts" ? "artifacts" : "overview";
  const artifact = search.get("artifact");
  const settings = readChartSettings(search);
  const result = useApi((signal) => getRun(runId, signal), [runId]);
  const experiment = useApi((signal) => getExperiment(experimentId, signal), [experimentId]);
  const experimentName = experiment.data?.experiment.name;
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
        <Link to={paths.runs(experimentId)}>{experimentName ?? `Experiment ${experimentId}`}</Link> <span aria-hidden="true">/</span>
      </nav>
      <header className="page-header">
        <h1 id="run-title">{run ? name : result.error ? "Run not found" : "…"}</h1>
        {running && <span className="live-dot">live</span>}
      </header>
      {result.error && <ErrorBanner error={result.error} onRetry={result.reload} />}
      {!run && result.loading && <p className="table-status">Loading run…</p>}
      {run && (
        <>
          <RunFacts run={run} experimentId={experimentId} />
          <Tabs
            label="Run sections"
            tabs={[
              { id: "overview", label: "Overview" },
              { id: "artifacts", label: "Artifacts" },
            ]}
            current={tab}
            onChange={(next) => setSearchParams({ tab: next === "overview" ? null : next })}
          >
            {tab === "overview" ? (
              <Overview run={run} onChanged={reload} settings={settings} />
            ) : (
              <>
                <RunModels experimentId={run.info.experiment_id} runId={run.info.run_id} />
                <ArtifactBrowser
                  runId={run.info.run_id}
                  artifactUri={run.info.artifact_uri}
                  selected={artifact}
                  onSelect={(path) => setSearchParams({ artifact: path })}
                  modelAction={(folder) => (
                    <RegisterModelButton
                      source={{ kind: "artifacts", runId: run.info.run_id, path: folder }}
                      label={`Register model from ${folder ? `${folder}/` : "the artifact root"}`}
                    />
                  )}
                />
              </>
            )}
          </Tabs>
        </>
      )}
    </section>
  );
}
