// `/runs/<run_id>`: a run known only by its id (a model version's source run). Its experiment is
// looked up and the address becomes the run's page.
import { useEffect } from "react";
import { getRun } from "../api/mlflow";
import { ErrorBanner } from "../components/ErrorBanner";
import { Link, navigate, paths } from "../lib/router";
import { useApi } from "../lib/useApi";

export function RunByIdPage({ runId }: { runId: string }) {
  const result = useApi((signal) => getRun(runId, signal), [runId]);
  const experimentId = result.data?.run.info.experiment_id;
  useEffect(() => {
    if (experimentId !== undefined) navigate(paths.run(experimentId, runId), { replace: true });
  }, [experimentId, runId]);
  return (
    <section className="page" aria-labelledby="run-title">
      <h1 id="run-title">{result.error ? "Run not found" : "Opening the run…"}</h1>
      {result.error && (
        <>
          <ErrorBanner error={result.error} onRetry={result.reload} />
          <p>
            <Link to={paths.experiments()}>See all experiments</Link>.
          </p>
        </>
      )}
    </section>
  );
}
