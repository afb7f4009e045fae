// The registered models: search them (a name, or the registry's filter grammar), see each one's
// latest versions, aliases and tags, and create one.
import { useEffect, useId, useState, type FormEvent } from "react";
import { ApiError } from "../api/client";
import { createRegisteredModel, searchRegisteredModels, type RegisteredModel } from "../api/registry";
import { ErrorBanner } from "../components/ErrorBanner";
import { FilterBox } from "../components/FilterBox";
import { StageBadge } from "../components/StageEditor";
import { formatTime } from "../lib/format";
import { byVersionDesc, modelFilter } from "../lib/registry";
import { Link, navigate, paths, setSearchParams, useLocation } from "../lib/router";
import { useApi } from "../lib/useApi";

type Sort = "name" | "updated";

const ORDER: Record<Sort, string[]> = {
  name: ["name ASC"],
  updated: ["last_updated_timestamp DESC", "name ASC"],
};

function CreateModel() {
  const id = useId();
  const [name, setName] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (!name.trim()) {
      setError("Give the model a name.");
      return;
    }
    setBusy(true);
    try {
      const { registered_model } = await createRegisteredModel(name.trim());
      navigate(paths.model(registered_model.name));
    } catch (cause) {
      setError(cause instanceof ApiError ? cause.message : String(cause));
      setBusy(false);
    }
  };
  return (
    <form className="create-form" onSubmit={(event) => void submit(event)}>
      <label htmlFor={`${id}-name`}>New model</label>
      <div className="filter-row">
        <input
          id={`${id}-name`}
          value={name}
          placeholder="Name"
          autoComplete="off"
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

const FILTER_HINT = (
  <>
    A name, or a filter: <code>name LIKE 'churn%'</code>, <code>tags.team = 'ml'</code>; join conditions with <code>and</code>.
  </>
);

function ModelRow({ model }: { model: RegisteredModel }) {
  const latest = [...(model.latest_versions ?? [])].sort(byVersionDesc);
  const aliases = [...(model.aliases ?? [])].sort((a, b) => a.alias.localeCompare(b.alias));
  const tags = [...(model.tags ?? [])].sort((a, b) => a.key.localeCompare(b.key));
  return (
    <tr>
      <th scope="row">
        <Link to={paths.model(model.name)}>{model.name}</Link>
        {model.description && <p className="muted row-note">{model.description}</p>}
      </th>
      <td>
        {latest.length === 0 ? (
          <span className="muted">no versions</span>
        ) : (
          <ul className="inline-list">
            {latest.map((v) => (
              <li key={v.version}>
                <Link to={paths.modelVersion(model.name, v.version)} aria-label={`${model.name} version ${v.version}${v.current_stage === "None" ? "" : `, ${v.current_stage}`}`}>
                  v{v.version}
                </Link>{" "}
                {v.current_stage !== "None" && <StageBadge stage={v.current_stage} />}
              </li>
            ))}
          </ul>
        )}
      </td>
      <td>
        <ul className="inline-list">
          {aliases.map((a) => (
            <li key={a.alias}>
              <Link to={paths.modelVersion(model.name, a.version)}>
                <code>@{a.alias}</code> → v{a.version}
              </Link>
            </li>
          ))}
        </ul>
      </td>
      <td>
        <ul className="inline-list">
          {tags.map((t) => (
            <li key={t.key} className="chip">
              {t.key}={t.value}
            </li>
          ))}
        </ul>
      </td>
      <td className="nowrap">{formatTime(model.last_updated_timestamp)}</td>
    </tr>
  );
}

function DeletedNotice({ name }: { name: string }) {
  return (
    <div className="notice" role="status">
      <p>Deleted the model “{name}” and its versions.</p>
      <button type="button" className="secondary small" onClick={() => setSearchParams({ deleted: null }, { replace: true })} aria-label="Dismiss">
        ×
      </button>
    </div>
  );
}

export function ModelsPage() {
  const { search } = useLocation();
  const query = search.get("q") ?? "";
  const sort: Sort = search.get("sort") === "updated" ? "updated" : "name";
  const deleted = search.get("deleted");
  const sortId = useId();
  const filter = modelFilter(query);
  const [extra, setExtra] = useState<{ models: RegisteredModel[]; token: string | undefined }>({ models: [], token: undefined });

  useEffect(() => {
    document.title = "Models · keel";
  }, []);

  const first = useApi((signal) => searchRegisteredModels({ filter, orderBy: ORDER[sort] }, signal), [filter, sort]);
  useEffect(() => setExtra({ models: [], token: first.data?.next_page_token }), [first.data]);
  const models = [...(first.data?.registered_models ?? []), ...extra.models];
  const filterError = first.error?.isInvalidParameter ? first.error.message : null;

  const loadMore = async () => {
    if (!extra.token) return;
    const page = await searchRegisteredModels({ filter, orderBy: ORDER[sort], pageToken: extra.token });
    setExtra((old) => ({ models: [...old.models, ...(page.registered_models ?? [])], token: page.next_page_token }));
  };

  return (
    <section className="page" aria-labelledby="models-title">
      <header className="page-header">
        <h1 id="models-title">Models</h1>
      </header>
      <div className="toolbar">
        <FilterBox
          value={query}
          onApply={(text) => setSearchParams({ q: text || null })}
          error={filterError}
          busy={first.loading}
          label="Search models"
          placeholder="Name, or name LIKE 'churn%' and tags.team = 'ml'"
          hint={FILTER_HINT}
        />
        <div className="field sort-field">
          <label htmlFor={`${sortId}-sort`}>Sort by</label>
          <select id={`${sortId}-sort`} value={sort} onChange={(event) => setSearchParams({ sort: event.target.value === "updated" ? "updated" : null })}>
            <option value="name">Name</option>
            <option value="updated">Last updated</option>
          </select>
        </div>
        <CreateModel />
      </div>
      {deleted && <DeletedNotice name={deleted} />}
      {first.error && !filterError && <ErrorBanner error={first.error} onRetry={first.reload} />}
      {first.loading && !first.data && <p className="table-status">Loading models…</p>}
      {first.data && models.length === 0 && (
        <div className="empty-state">
          {query ? (
            <p>No model matches “{query}”.</p>
          ) : (
            <>
              <p>No models registered yet.</p>
              <p className="muted">
                Create one above, register a model from a run's page (its Artifacts tab), or call <code>keel.register_model()</code>.
              </p>
            </>
          )}
        </div>
      )}
      {models.length > 0 && (
        <div className="table-scroll">
          <table className="simple-table models-table">
            <caption className="sr-only">Registered models</caption>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Latest versions</th>
                <th scope="col">Aliases</th>
                <th scope="col">Tags</th>
                <th scope="col">Last updated</th>
              </tr>
            </thead>
            <tbody>
              {models.map((model) => (
                <ModelRow key={model.name} model={model} />
              ))}
            </tbody>
          </table>
        </div>
      )}
      {extra.token && (
        <button type="button" className="secondary" onClick={() => void loadMore()}>
          Load more models
        </button>
      )}
    </section>
  );
}
