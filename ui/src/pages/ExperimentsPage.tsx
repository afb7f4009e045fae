// All experiments: find by name, create one, open one.
import { useEffect, useId, useState, type FormEvent } from "react";
import { ApiError } from "../api/client";
import { createExperiment, searchExperiments } from "../api/mlflow";
import type { Experiment } from "../api/types";
import { ErrorBanner } from "../components/ErrorBanner";
import { formatTime } from "../lib/format";
import { Link, navigate, paths, setSearchParams, useLocation } from "../lib/router";
import { useApi } from "../lib/useApi";

/** `name ILIKE '%text%'`, quoted so any text is a literal. */
export function nameFilter(text: string): string | undefined {
  const trimmed = text.trim();
  if (!trimmed) return undefined;
  const quote = trimmed.includes("'") ? '"' : "'";
  const literal = trimmed.replaceAll(quote, "");
  return `name ILIKE ${quote}%${literal}%${quote}`;
}

function CreateExperiment() {
  const id = useId();
  const [name, setName] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (!name.trim()) {
      setError("Give the experiment a name.");
      return;
    }
    setBusy(true);
    try {
      const { experiment_id } = await createExperiment(name.trim());
      navigate(paths.runs(experiment_id));
    } catch (cause) {
      setError(cause instanceof ApiError ? cause.message : String(cause));
      setBusy(false);
    }
  };
  return (
    <form className="create-form" onSubmit={submit}>
      <label htmlFor={`${id}-name`}>New experiment</label>
      <div className="filter-row">
        <input
          id={`${id}-name`}
          value={name}
          placeholder="Name"
          aria-invalid={error ? true : undefined}
          aria-describedby={error ? `${id}-error` : undefined}
          onChange={(event) => {
            setName(event.target.value);
            setError(null);
          }}
        />
        <button type="submit" disabled={busy}>
          Create
        </button>
      </div>
      {error && (
        <p id={`${id}-error`} className="field-error" role="alert">
          {error}
        </p>
      )}
    </form>
  );
}

export function ExperimentsPage() {
  const { search } = useLocation();
  const query = search.get("q") ?? "";
  const [draft, setDraft] = useState(query);
  const [extra, setExtra] = useState<{ experiments: Experiment[]; token: string | undefined }>({ experiments: [], token: undefined });
  const searchId = useId();

  useEffect(() => {
    document.title = "Experiments · keel";
  }, []);

  // Search as you type, a moment after the last key.
  useEffect(() => {
    if (draft === query) return;
    const timer = window.setTimeout(() => setSearchParams({ q: draft || null }, { replace: true }), 250);
    return () => window.clearTimeout(timer);
  }, [draft, query]);

  const first = useApi((signal) => searchExperiments({ filter: nameFilter(query) }, signal), [query]);
  useEffect(() => setExtra({ experiments: [], token: first.data?.next_page_token }), [first.data]);

  const experiments = [...(first.data?.experiments ?? []), ...extra.experiments];
  const loadMore = async () => {
    if (!extra.token) return;
    const page = await searchExperiments({ filter: nameFilter(query), pageToken: extra.token });
    setExtra((old) => ({ experiments: [...old.experiments, ...(page.experiments ?? [])], token: page.next_page_token }));
  };

  return (
    <section className="page" aria-labelledby="experiments-title">
      <header className="page-header">
        <h1 id="experiments-title">Experiments</h1>
      </header>
      <div className="toolbar">
        <div className="filter-box" role="search">
          <label htmlFor={`${searchId}-q`}>Search experiments</label>
          <input id={`${searchId}-q`} type="search" placeholder="Name contains…" value={draft} onChange={(event) => setDraft(event.target.value)} />
        </div>
        <CreateExperiment />
      </div>
      {first.error && <ErrorBanner error={first.error} onRetry={first.reload} />}
      {first.loading && !first.data && <p className="table-status">Loading experiments…</p>}
      {first.data && experiments.length === 0 && (
        <div className="empty-state">
          <p>{query ? `No experiment's name contains “${query}”.` : "No experiments yet. Create one above."}</p>
        </div>
      )}
      {experiments.length > 0 && (
        <div className="table-scroll">
          <table className="simple-table experiments-table">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">ID</th>
                <th scope="col">Last updated</th>
              </tr>
            </thead>
            <tbody>
              {experiments.map((experiment) => (
                <tr key={experiment.experiment_id}>
                  <td>
                    <Link to={paths.runs(experiment.experiment_id)}>{experiment.name}</Link>
                  </td>
                  <td className="muted">{experiment.experiment_id}</td>
                  <td>{formatTime(experiment.last_update_time)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {extra.token && (
        <button type="button" className="secondary" onClick={loadMore}>
          Load more experiments
        </button>
      )}
    </section>
  );
}
