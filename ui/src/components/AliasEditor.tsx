// A model's aliases (`models:/name@champion`): set one on a version, move it to another, remove it.
// On a version's page (`version` given) it lists and sets that version's aliases only.
import { useId, useState, type FormEvent, type KeyboardEvent } from "react";
import { ApiError } from "../api/client";
import { deleteModelAlias, setModelAlias, type ModelAlias } from "../api/registry";
import { Link, paths } from "../lib/router";

export interface AliasEditorProps {
  name: string;
  aliases: readonly ModelAlias[];
  /** The model's versions, newest first: where an alias can point. */
  versions: readonly string[];
  /** On a version's page: that version. */
  version?: string | undefined;
  onChanged: () => void;
}

function messageOf(cause: unknown): string {
  return cause instanceof ApiError ? cause.message : String(cause);
}

function useAction(onChanged: () => void) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const act = async (action: () => Promise<unknown>): Promise<boolean> => {
    setBusy(true);
    setError(null);
    try {
      await action();
      onChanged();
      return true;
    } catch (cause) {
      setError(messageOf(cause));
      return false;
    } finally {
      setBusy(false);
    }
  };
  return { busy, error, setError, act };
}

function ErrorLine({ error }: { error: string | null }) {
  return error ? (
    <p className="field-error" role="alert">
      {error}
    </p>
  ) : null;
}

function AliasRow({ name, alias, versions, onChanged }: { name: string; alias: ModelAlias; versions: readonly string[]; onChanged: () => void }) {
  const id = useId();
  const [moving, setMoving] = useState(false);
  const [target, setTarget] = useState(alias.version);
  const { busy, error, setError, act } = useAction(onChanged);
  const cancel = () => {
    setMoving(false);
    setTarget(alias.version);
    setError(null);
  };
  const onKeyDown = (event: KeyboardEvent) => {
    if (event.key === "Escape") {
      event.preventDefault();
      cancel();
    }
  };
  const move = (event: FormEvent) => {
    event.preventDefault();
    if (target === alias.version) return cancel();
    void act(() => setModelAlias(name, alias.alias, target)).then((done) => done && setMoving(false));
  };
  return (
    <tr>
      <th scope="row">
        <code>@{alias.alias}</code>
      </th>
      <td>
        {moving ? (
          <form className="inline-form" onSubmit={move} onKeyDown={onKeyDown}>
            <label htmlFor={`${id}-to`} className="sr-only">
              Move {alias.alias} to version
            </label>
            <select id={`${id}-to`} value={target} autoFocus onChange={(event) => setTarget(event.target.value)}>
              {versions.map((v) => (
                <option key={v} value={v}>
                  Version {v}
                </option>
              ))}
            </select>
            <button type="submit" className="small" disabled={busy}>
              Move
            </button>
            <button type="button" className="secondary small" onClick={cancel}>
              Cancel
            </button>
          </form>
        ) : (
          <Link to={paths.modelVersion(name, alias.version)}>Version {alias.version}</Link>
        )}
        <ErrorLine error={error} />
      </td>
      <td className="row-actions">
        {!moving && (
          <>
            <button type="button" className="secondary small" onClick={() => setMoving(true)} aria-label={`Move alias ${alias.alias}`}>
              Move
            </button>
            <button
              type="button"
              className="secondary small"
              disabled={busy}
              onClick={() => void act(() => deleteModelAlias(name, alias.alias))}
              aria-label={`Remove alias ${alias.alias}`}
            >
              Remove
            </button>
          </>
        )}
      </td>
    </tr>
  );
}

function SetAlias({ name, aliases, versions, version, onChanged }: AliasEditorProps) {
  const id = useId();
  const [alias, setAlias] = useState("");
  const [target, setTarget] = useState(version ?? versions[0] ?? "");
  const { busy, error, setError, act } = useAction(onChanged);
  const chosen = version ?? (versions.includes(target) ? target : (versions[0] ?? ""));
  const existing = aliases.find((a) => a.alias === alias.trim().replace(/^@/, ""));
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const clean = alias.trim().replace(/^@/, "");
    if (!clean) {
      setError("Name the alias, for example champion.");
      return;
    }
    if (!chosen) {
      setError("The model has no version to point at yet.");
      return;
    }
    void act(() => setModelAlias(name, clean, chosen)).then((done) => done && setAlias(""));
  };
  return (
    <form className="add-tag" onSubmit={submit} aria-label={version ? `Add an alias to version ${version}` : "Set an alias"}>
      <div className="field">
        <label htmlFor={`${id}-alias`}>Alias</label>
        <input
          id={`${id}-alias`}
          value={alias}
          placeholder="champion"
          autoComplete="off"
          spellCheck={false}
          aria-invalid={error ? true : undefined}
          aria-describedby={`${id}-hint`}
          onChange={(event) => {
            setAlias(event.target.value);
            setError(null);
          }}
        />
      </div>
      {!version && (
        <div className="field">
          <label htmlFor={`${id}-version`}>Version</label>
          <select id={`${id}-version`} value={chosen} onChange={(event) => setTarget(event.target.value)}>
            {versions.map((v) => (
              <option key={v} value={v}>
                Version {v}
              </option>
            ))}
          </select>
        </div>
      )}
      <button type="submit" disabled={busy || versions.length === 0}>
        {version ? "Add alias" : "Set alias"}
      </button>
      <p id={`${id}-hint`} className="field-hint form-note">
        {existing && existing.version !== chosen
          ? `@${existing.alias} is on version ${existing.version}: this moves it to version ${chosen}.`
          : `Load it as models:/${name}@${alias.trim().replace(/^@/, "") || "<alias>"}.`}
      </p>
      <ErrorLine error={error} />
    </form>
  );
}

function VersionAliases({ name, aliases, onChanged }: { name: string; aliases: readonly ModelAlias[]; onChanged: () => void }) {
  const { busy, error, act } = useAction(onChanged);
  if (aliases.length === 0) return <p className="muted">No aliases point at this version.</p>;
  return (
    <>
      <ul className="inline-list alias-list" aria-label="Aliases">
        {aliases.map((a) => (
          <li key={a.alias} className="alias-chip">
            <code>@{a.alias}</code>
            <button
              type="button"
              className="link-button"
              disabled={busy}
              onClick={() => void act(() => deleteModelAlias(name, a.alias))}
              aria-label={`Remove alias ${a.alias}`}
            >
              ×
            </button>
          </li>
        ))}
      </ul>
      <ErrorLine error={error} />
    </>
  );
}

export function AliasEditor(props: AliasEditorProps) {
  const { name, aliases, versions, version, onChanged } = props;
  const sorted = [...aliases].sort((a, b) => a.alias.localeCompare(b.alias));
  if (version) {
    return (
      <>
        <VersionAliases name={name} aliases={sorted.filter((a) => a.version === version)} onChanged={onChanged} />
        <SetAlias {...props} />
      </>
    );
  }
  return (
    <>
      {sorted.length === 0 ? (
        <p className="muted">No aliases yet. An alias names a version for the code that loads it.</p>
      ) : (
        <div className="table-scroll">
          <table className="simple-table kv-table">
            <caption className="sr-only">Aliases</caption>
            <thead>
              <tr>
                <th scope="col">Alias</th>
                <th scope="col">Version</th>
                <th scope="col">
                  <span className="sr-only">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {sorted.map((alias) => (
                <AliasRow key={alias.alias} name={name} alias={alias} versions={versions} onChanged={onChanged} />
              ))}
            </tbody>
          </table>
        </div>
      )}
      <SetAlias {...props} />
    </>
  );
}
