// The models a run logged (MLflow 3's logged models, found by their source run), each with where
// it is registered and a button to register it.
import { registrationsOf, searchRunLoggedModels } from "../api/registry";
import { formatTime } from "../lib/format";
import { Link, paths } from "../lib/router";
import { useApi } from "../lib/useApi";
import { ErrorBanner } from "./ErrorBanner";
import { RegisterModelButton } from "./RegisterModel";

export function RunModels({ experimentId, runId }: { experimentId: string; runId: string }) {
  const result = useApi((signal) => searchRunLoggedModels(experimentId, runId, signal), [experimentId, runId]);
  if (result.error) {
    // A server without logged models (MLflow 2) has nothing to list here.
    if (result.error.status === 404) return null;
    return <ErrorBanner error={result.error} onRetry={result.reload} />;
  }
  const models = result.data?.models ?? [];
  if (models.length === 0) return null;
  return (
    <section className="run-models" aria-labelledby="run-models-title">
      <h2 id="run-models-title">Logged models ({models.length})</h2>
      <div className="table-scroll">
        <table className="simple-table">
          <caption className="sr-only">Models this run logged</caption>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Model ID</th>
              <th scope="col">Status</th>
              <th scope="col">Created</th>
              <th scope="col">Registered as</th>
              <th scope="col">
                <span className="sr-only">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {models.map(({ info }) => {
              const registrations = registrationsOf(info);
              return (
              <tr key={info.model_id}>
                <th scope="row">{info.name}</th>
                <td>
                  <code>{info.model_id}</code>
                </td>
                <td>{info.status.replace(/^LOGGED_MODEL_/, "").toLowerCase().replaceAll("_", " ")}</td>
                <td>{formatTime(info.creation_timestamp_ms)}</td>
                <td>
                  {registrations.length ? (
                    <ul className="inline-list">
                      {registrations.map((r) => (
                        <li key={`${r.name}/${r.version}`}>
                          <Link to={paths.modelVersion(r.name, r.version)}>
                            {r.name} v{r.version}
                          </Link>
                        </li>
                      ))}
                    </ul>
                  ) : (
                    <span className="muted">not registered</span>
                  )}
                </td>
                <td className="row-actions">
                  <RegisterModelButton
                    source={{ kind: "logged", runId, modelId: info.model_id, name: info.name }}
                    label={`Register model ${info.name}`}
                    onRegistered={result.reload}
                  />
                </td>
              </tr>
              );
            })}
          </tbody>
        </table>
      </div>
    </section>
  );
}
