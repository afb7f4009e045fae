// One registered model: its description, versions (stage changes in place), aliases, tags and the
// history of every change; rename and delete it.
import { useCallback, useEffect, useId, useState, type FormEvent } from "react";
import { ApiError } from "../api/client";
import {
  deleteRegisteredModel,
  deleteRegisteredModelTag,
  getRegisteredModel,
  renameRegisteredModel,
  searchModelVersions,
  setRegisteredModelTag,
  updateRegisteredModel,
  type ModelVersion,
  type RegisteredModel,
} from "../api/registry";
import { AliasEditor } from "../components/AliasEditor";
import { ConfirmButton } from "../components/ConfirmButton";
import { DescriptionEditor } from "../components/DescriptionEditor";
import { ErrorBanner } from "../components/ErrorBanner";
import { RegistryHistory } from "../components/RegistryHistory";
import { StageEditor } from "../components/StageEditor";
import { TagEditor } from "../components/TagEditor";
import { formatTime, plural } from "../lib/format";
import { byVersionDesc, versionsOf } from "../lib/registry";
import { Link, navigate, paths } from "../lib/router";
import { useApi } from "../lib/useApi";

function RenameModel({ name, onDone }: { name: string; onDone: () => void }) {
  const id = useId();
  const [draft, setDraft] = useState(name);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const next = draft.trim();
    if (!next) {
      setError("Give the model a name.");
      return;
    }
    if (next === name) return onDone();
    setBusy(true);
    try {
      const { registered_model } = await renameRegisteredModel(name, next);
      navigate(paths.model(registered_model.name), { replace: true });
    } catch (cause) {
      setError(cause instanceof ApiError ? cause.message : String(cause));
      setBusy(false);
    }
  };
  return (
    <form
      className="inline-form rename-form"
      onSubmit={(event) => void submit(event)}
      onKeyDown={(event) => {
        if (event.key === "Escape") {
          event.preventDefault();
          onDone();
        }
      }}
    >
      <label htmlFor={`${id}-name`}>New name for {name}</label>
      <input
        id={`${id}-name`}
        value={draft}
        autoFocus
        aria-invalid={error ? true : undefined}
        aria-describedby={error ? `${id}-error` : `${id}-hint`}
        onChange={(event) => {
          setDraft(event.target.value);
          setError(null);
        }}
      />
      <button type="submit" className="small" disabled={busy}>
        Save
      </button>
      <button type="button" className="secondary small" onClick={onDone}>
        Cancel
      </button>
      <p id={`${id}-hint`} className="field-hint form-note">
        Code that loads <code>models:/{name}/…</code> must use the new name afterwards.
      </p>
      {error && (
        <p id={`${id}-error`} className="field-error form-note" role="alert">
          {error}
        </p>
      )}
    </form>
  );
}

function VersionsTable({ model, versions, onChanged }: { model: RegisteredModel; versions: readonly ModelVersion[]; onChanged: () => void }) {
  if (versions.length === 0) {
    return (
      <div className="empty-state">
        <p>No versions yet.</p>
        <p className="muted">
          Register one from a run's page (its Artifacts tab), or with <code>keel.register_model("runs:/&lt;run_id&gt;/model", "{model.name}")</code>.
        </p>
      </div>
    );
  }
  return (
    <div className="table-scroll">
      <table className="simple-table versions-table">
        <caption className="sr-only">Versions of {model.name}</caption>
        <thead>
          <tr>
            <th scope="col">Version</th>
            <th scope="col">Stage</th>
            <th scope="col">Aliases</th>
            <th scope="col">Created</th>
            <th scope="col">Source run</th>
            <th scope="col">Status</th>
          </tr>
        </thead>
        <tbody>
          {versions.map((v) => (
            <tr key={v.version}>
              <th scope="row">
                <Link to={paths.modelVersion(model.name, v.version)}>Version {v.version}</Link>
              </th>
              <td>
                <StageEditor name={model.name} version={v.version} stage={v.current_stage} onChanged={onChanged} />
              </td>
              <td>
                <ul className="inline-list">
                  {(v.aliases ?? []).map((alias) => (
                    <li key={alias}>
                      <code>@{alias}</code>
                    </li>
                  ))}
                </ul>
              </td>
              <td className="nowrap">{formatTime(v.creation_timestamp)}</td>
              <td>
                {v.run_id ? (
                  <Link to={paths.runById(v.run_id)} aria-label={`Run ${v.run_id}`}>
                    <code>{v.run_id.slice(0, 12)}</code>
                  </Link>
                ) : (
                  <span className="muted">none</span>
                )}
              </td>
              <td>
                <span className={`version-status status-${v.status.toLowerCase()}`} title={v.status_message}>
                  {v.status.toLowerCase().replaceAll("_", " ")}
                </span>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export function ModelPage({ name }: { name: string }) {
  const [renaming, setRenaming] = useState(false);
  const [generation, setGeneration] = useState(0);
  const [moreVersions, setMoreVersions] = useState<{ versions: ModelVersion[]; token: string | undefined }>({ versions: [], token: undefined });
  const result = useApi((signal) => getRegisteredModel(name, signal), [name]);
  const versionResult = useApi((signal) => searchModelVersions({ filter: versionsOf(name) }, signal), [name]);
  const model = result.data?.registered_model;
  const versions = [...(versionResult.data?.model_versions ?? []), ...moreVersions.versions].sort(byVersionDesc);

  useEffect(() => {
    document.title = `${name} · Models · keel`;
  }, [name]);
  useEffect(() => setMoreVersions({ versions: [], token: versionResult.data?.next_page_token }), [versionResult.data]);

  const reloadModel = result.reload;
  const reloadVersions = versionResult.reload;
  const onChanged = useCallback(() => {
    reloadModel();
    reloadVersions();
    setGeneration((n) => n + 1);
  }, [reloadModel, reloadVersions]);

  const loadMore = async () => {
    if (!moreVersions.token) return;
    const page = await searchModelVersions({ filter: versionsOf(name), pageToken: moreVersions.token });
    setMoreVersions((old) => ({ versions: [...old.versions, ...(page.model_versions ?? [])], token: page.next_page_token }));
  };

  const notFound = result.error?.errorCode === "RESOURCE_DOES_NOT_EXIST";
  return (
    <section className="page model-page" aria-labelledby="model-title">
      <nav aria-label="Breadcrumb" className="breadcrumb">
        <Link to={paths.models()}>Models</Link> <span aria-hidden="true">/</span>
      </nav>
      <header className="page-header">
        <h1 id="model-title">{model ? model.name : notFound ? "Model not found" : result.error ? name : "…"}</h1>
        {model && !renaming && (
          <span className="header-actions">
            <button type="button" className="secondary small" onClick={() => setRenaming(true)} aria-label={`Rename model ${model.name}`}>
              Rename
            </button>
            <ConfirmButton
              action="Delete"
              label={`Delete model ${model.name}`}
              question={`Delete ${model.name} and its ${plural(versions.length, "version")}?`}
              onConfirm={async () => {
                await deleteRegisteredModel(model.name);
                navigate(`${paths.models()}?deleted=${encodeURIComponent(model.name)}`);
              }}
            />
          </span>
        )}
      </header>
      {model && renaming && <RenameModel name={model.name} onDone={() => setRenaming(false)} />}
      {result.error && (
        <>
          <ErrorBanner error={result.error} onRetry={notFound ? undefined : result.reload} />
          {notFound && (
            <p>
              No model is registered as <code>{name}</code>. It may have been renamed or deleted. <Link to={paths.models()}>See all models</Link>.
            </p>
          )}
        </>
      )}
      {!model && result.loading && <p className="table-status">Loading model…</p>}
      {model && (
        <>
          <dl className="run-facts">
            <div>
              <dt>Created</dt>
              <dd>{formatTime(model.creation_timestamp)}</dd>
            </div>
            <div>
              <dt>Last updated</dt>
              <dd>{formatTime(model.last_updated_timestamp)}</dd>
            </div>
            {model.user_id && (
              <div>
                <dt>Created by</dt>
                <dd>{model.user_id}</dd>
              </div>
            )}
            <div>
              <dt>Load with</dt>
              <dd>
                <code>models:/{model.name}@&lt;alias&gt;</code>
              </dd>
            </div>
          </dl>

          <section aria-labelledby="description-title" className="run-section">
            <h2 id="description-title">Description</h2>
            <DescriptionEditor
              text={model.description || null}
              onSave={(text) => updateRegisteredModel(model.name, text)}
              onChanged={onChanged}
            />
          </section>

          <section aria-labelledby="versions-title" className="run-section">
            <h2 id="versions-title">Versions ({versions.length}{moreVersions.token ? "+" : ""})</h2>
            {versionResult.error && <ErrorBanner error={versionResult.error} onRetry={versionResult.reload} />}
            {versionResult.data && <VersionsTable model={model} versions={versions} onChanged={onChanged} />}
            {moreVersions.token && (
              <button type="button" className="secondary" onClick={() => void loadMore()}>
                Load more versions
              </button>
            )}
          </section>

          <div className="two-columns">
            <section aria-labelledby="aliases-title" className="run-section">
              <h2 id="aliases-title">Aliases ({model.aliases?.length ?? 0})</h2>
              <AliasEditor name={model.name} aliases={model.aliases ?? []} versions={versions.map((v) => v.version)} onChanged={onChanged} />
            </section>
            <section aria-labelledby="tags-title" className="run-section">
              <h2 id="tags-title">Tags ({model.tags?.length ?? 0})</h2>
              <TagEditor
                tags={model.tags ?? []}
                writer={{
                  set: (key, value) => setRegisteredModelTag(model.name, key, value),
                  remove: (key) => deleteRegisteredModelTag(model.name, key),
                }}
                onChanged={onChanged}
              />
            </section>
          </div>

          <section aria-labelledby="history-title" className="run-section">
            <h2 id="history-title">History</h2>
            <RegistryHistory name={model.name} refreshKey={generation} />
          </section>
        </>
      )}
    </section>
  );
}
