// All experiments: find by name, create, rename, delete and restore them; open one, or tick several
// to see their runs in one table.
import { useCallback, useEffect, useId, useState, type FormEvent } from "react";
import { ApiError } from "../api/client";
import { createExperiment, searchExperiments } from "../api/mlflow";
import type { Experiment, ViewType } from "../api/types";
import { ErrorBanner } from "../components/ErrorBanner";
import { ExperimentRow, type Change } from "../components/ExperimentRow";
import { plural } from "../lib/format";
import { navigate, paths, setSearchParams, useLocation } from "../lib/router";
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

type View = "active" | "deleted";

const VIEW_TYPES: Record<View, ViewType> = { active: "ACTIVE_ONLY", deleted: "DELETED_ONLY" };

function ViewToggle({ view }: { view: View }) {
  const choose = (next: View) => setSearchParams({ view: next === "active" ? null : next });
  return (
    <fieldset className="view-toggle">
      <legend>Show</legend>
      {(["active", "deleted"] as const).map((option) => (
        <label key={option}>
          <input type="radio" name="experiment-view" value={option} checked={view === option} onChange={() => choose(option)} />
          {option === "active" ? "Active" : "Deleted"}
        </label>
      ))}
    </fieldset>
  );
}

function ChangeNotice({ change, onUndo, onDismiss }: { change: Change; onUndo: () => void; onDismiss: () => void }) {
  return (
    <div className="notice" role="status">
      <p>{change.message}</p>
      {change.undo && (
        <button type="button" className="secondary small" onClick={onUndo}>
          Undo
        </button>
      )}
      <button type="button" className="secondary small" onClick={onDismiss} aria-label="Dismiss">
        ×
      </button>
    </div>
  );
}

export function ExperimentsPage() {
  const { search } = useLocation();
  const query = search.get("q") ?? "";
  const view: View = search.get("view") === "deleted" ? "deleted" : "active";
  const [draft, setDraft] = useState(query);
  const [extra, setExtra] = useState<{ experiments: Experiment[]; token: string | undefined }>({ experiments: [], token: undefined });
  const [selected, setSelected] = useState<ReadonlySet<string>>(new Set());
  const [change, setChange] = useState<Change | null>(null);
  const [undoError, setUndoError] = useState<ApiError | null>(null);
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

  const viewType = VIEW_TYPES[view];
  const first = useApi((signal) => searchExperiments({ filter: nameFilter(query), viewType }, signal), [query, viewType]);
  useEffect(() => setExtra({ experiments: [], token: first.data?.next_page_token }), [first.data]);
  useEffect(() => setSelected(new Set()), [view]);

  const experiments = [...(first.data?.experiments ?? []), ...extra.experiments];
  const loadMore = async () => {
    if (!extra.token) return;
    const page = await searchExperiments({ filter: nameFilter(query), pageToken: extra.token, viewType });
    setExtra((old) => ({ experiments: [...old.experiments, ...(page.experiments ?? [])], token: page.next_page_token }));
  };

  const { reload } = first;
  const onChanged = useCallback(
    (next: Change) => {
      setChange(next);
      setUndoError(null);
      reload();
    },
    [reload],
  );
  const undo = () => {
    if (!change?.undo) return;
    change
      .undo()
      .then(() => {
        setChange({ message: "Undone." });
        reload();
      })
      .catch((cause: unknown) => setUndoError(cause instanceof ApiError ? cause : new ApiError(0, "INTERNAL_ERROR", String(cause))));
  };

  const chosen = experiments.filter((e) => selected.has(e.experiment_id)).map((e) => e.experiment_id);
  const select = (experimentId: string, on: boolean) =>
    setSelected((old) => {
      const next = new Set(old);
      if (on) next.add(experimentId);
      else next.delete(experimentId);
      return next;
    });

  return (
    <section className="page" aria-labelledby="experiments-title">
      <header className="page-header">
        <h1 id="experiments-title">{view === "deleted" ? "Deleted experiments" : "Experiments"}</h1>
      </header>
      <div className="toolbar">
        <div className="filter-box" role="search">
          <label htmlFor={`${searchId}-q`}>Search experiments</label>
          <input id={`${searchId}-q`} type="search" placeholder="Name contains…" value={draft} onChange={(event) => setDraft(event.target.value)} />
        </div>
        {view === "active" && <CreateExperiment />}
        <ViewToggle view={view} />
      </div>
      {change && <ChangeNotice change={change} onUndo={undo} onDismiss={() => setChange(null)} />}
      {undoError && <ErrorBanner error={undoError} />}
      {first.error && <ErrorBanner error={first.error} onRetry={first.reload} />}
      {first.loading && !first.data && <p className="table-status">Loading experiments…</p>}
      {view === "active" && experiments.length > 0 && (
        <div className="selection-bar" role="group" aria-label="Selected experiments">
          <span className="muted">
            {chosen.length ? `${plural(chosen.length, "experiment")} selected` : "Tick experiments to see their runs together"}
          </span>
          <button type="button" disabled={chosen.length === 0} onClick={() => navigate(paths.multiRuns(chosen))}>
            Show runs
          </button>
        </div>
      )}
      {first.data && experiments.length === 0 && (
        <div className="empty-state">
          <p>
            {query
              ? `No ${view === "deleted" ? "deleted " : ""}experiment's name contains “${query}”.`
              : view === "deleted"
                ? "No deleted experiments."
                : "No experiments yet. Create one above."}
          </p>
        </div>
      )}
      {experiments.length > 0 && (
        <div className="table-scroll">
          <table className="simple-table experiments-table">
            <caption className="sr-only">{view === "deleted" ? "Deleted experiments" : "Experiments"}</caption>
            <thead>
              <tr>
                <th scope="col" className="select-cell">
                  <span className="sr-only">Selected</span>
                </th>
                <th scope="col">Name</th>
                <th scope="col">ID</th>
                <th scope="col">Last updated</th>
                <th scope="col">
                  <span className="sr-only">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {experiments.map((experiment) => (
                <ExperimentRow
                  key={experiment.experiment_id}
                  experiment={experiment}
                  selected={selected.has(experiment.experiment_id)}
                  onSelect={(on) => select(experiment.experiment_id, on)}
                  onChanged={onChanged}
                />
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
