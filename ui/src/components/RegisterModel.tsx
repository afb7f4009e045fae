// Registering a run's model: a button that opens a dialog to pick a new name or an existing model,
// then creates the version (MLflow's registered-models/create and model-versions/create) and links to it.
import { useId, useState, type FormEvent } from "react";
import { ApiError } from "../api/client";
import { createModelVersion, createRegisteredModel, searchRegisteredModels, type ModelVersion } from "../api/registry";
import { Link, paths } from "../lib/router";
import { useApi } from "../lib/useApi";
import { Dialog } from "./Dialog";

/** What gets registered: a folder of the run's artifacts, or a logged model (MLflow 3). */
export type ModelSource = { kind: "artifacts"; runId: string; path: string } | { kind: "logged"; runId: string; modelId: string; name: string };

const MODEL_CHOICES = 500;

export function sourceUri(source: ModelSource): string {
  if (source.kind === "logged") return `models:/${source.modelId}`;
  return `runs:/${source.runId}${source.path ? `/${source.path}` : ""}`;
}

function suggestedName(source: ModelSource): string {
  if (source.kind === "logged") return source.name;
  return source.path.split("/").filter(Boolean).pop() ?? "";
}

type Target = "new" | "existing";

export interface RegisterModelDialogProps {
  source: ModelSource;
  onClose: () => void;
  /** After the version was created. */
  onRegistered?: (version: ModelVersion) => void;
}

export function RegisterModelDialog({ source, onClose, onRegistered }: RegisterModelDialogProps) {
  const id = useId();
  const models = useApi((signal) => searchRegisteredModels({ maxResults: MODEL_CHOICES }, signal), []);
  const names = (models.data?.registered_models ?? []).map((m) => m.name);
  const [target, setTarget] = useState<Target>("new");
  const [newName, setNewName] = useState(suggestedName(source));
  const [existing, setExisting] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [created, setCreated] = useState<ModelVersion | null>(null);
  const chosenExisting = existing || names[0] || "";

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const name = target === "new" ? newName.trim() : chosenExisting;
    if (!name) {
      setError(target === "new" ? "Give the model a name." : "Choose a model.");
      return;
    }
    setBusy(true);
    setError(null);
    let madeModel = false;
    try {
      if (target === "new") {
        await createRegisteredModel(name);
        madeModel = true;
      }
      const { model_version } = await createModelVersion({
        name,
        source: sourceUri(source),
        runId: source.runId,
        modelId: source.kind === "logged" ? source.modelId : undefined,
      });
      setCreated(model_version);
      onRegistered?.(model_version);
    } catch (cause) {
      const message = cause instanceof ApiError ? cause.message : String(cause);
      const exists = cause instanceof ApiError && cause.errorCode === "RESOURCE_ALREADY_EXISTS" && !madeModel;
      setError(
        exists
          ? `${message} Choose “A new version of an existing model” to add to it.`
          : madeModel
            ? `The model ${name} was created, but its version was not: ${message}`
            : message,
      );
    } finally {
      setBusy(false);
    }
  };

  if (created) {
    return (
      <Dialog key="registered" title="Model registered" onClose={onClose}>
        <p role="status">
          Registered <strong>{created.name}</strong> version {created.version} from <code className="wrap">{created.source}</code>.
        </p>
        <div className="button-row">
          <Link to={paths.modelVersion(created.name, created.version)} className="button-link primary-link" data-autofocus>
            Open version {created.version}
          </Link>
          <button type="button" className="secondary" onClick={onClose}>
            Close
          </button>
        </div>
      </Dialog>
    );
  }

  return (
    <Dialog key="register" title="Register model" onClose={onClose}>
      <form className="dialog-form" onSubmit={(event) => void submit(event)}>
        <p className="muted">
          From <code className="wrap">{sourceUri(source)}</code>. keel copies the model's files into the registry.
        </p>
        <fieldset className="choice">
          <legend>Register as</legend>
          <label className="check-label">
            <input type="radio" name={`${id}-target`} checked={target === "new"} onChange={() => setTarget("new")} />
            A new model
          </label>
          <label className="check-label">
            <input
              type="radio"
              name={`${id}-target`}
              checked={target === "existing"}
              disabled={names.length === 0}
              onChange={() => setTarget("existing")}
            />
            A new version of an existing model
          </label>
          {models.data && names.length === 0 && <p className="field-hint">No models are registered yet.</p>}
        </fieldset>
        {target === "new" ? (
          <div className="field">
            <label htmlFor={`${id}-name`}>Model name</label>
            <input
              id={`${id}-name`}
              value={newName}
              autoComplete="off"
              data-autofocus
              aria-invalid={error ? true : undefined}
              aria-describedby={error ? `${id}-error` : undefined}
              onChange={(event) => {
                setNewName(event.target.value);
                setError(null);
              }}
            />
          </div>
        ) : (
          <div className="field">
            <label htmlFor={`${id}-model`}>Model</label>
            <select id={`${id}-model`} value={chosenExisting} onChange={(event) => setExisting(event.target.value)}>
              {names.map((name) => (
                <option key={name} value={name}>
                  {name}
                </option>
              ))}
            </select>
          </div>
        )}
        {error && (
          <p id={`${id}-error`} className="field-error" role="alert">
            {error}
          </p>
        )}
        <div className="button-row">
          <button type="submit" disabled={busy}>
            {busy ? "Registering…" : "Register"}
          </button>
          <button type="button" className="secondary" onClick={onClose}>
            Cancel
          </button>
        </div>
      </form>
    </Dialog>
  );
}

/** "Register model" for one source; the dialog opens on demand. */
export function RegisterModelButton({ source, label, onRegistered }: { source: ModelSource; label: string; onRegistered?: () => void }) {
  const [open, setOpen] = useState(false);
  return (
    <>
      <button type="button" className="small" onClick={() => setOpen(true)} aria-label={label} aria-haspopup="dialog">
        Register model
      </button>
      {open && <RegisterModelDialog source={source} onClose={() => setOpen(false)} onRegistered={onRegistered} />}
    </>
  );
}
