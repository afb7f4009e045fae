// One row of the experiments table: select it, open it, rename it in place, delete it (after a
// confirmation) or, in the deleted view, restore it.
import { useEffect, useId, useRef, useState, type FormEvent, type KeyboardEvent } from "react";
import { ApiError } from "../api/client";
import { deleteExperiment, renameExperiment, restoreExperiment } from "../api/mlflow";
import type { Experiment } from "../api/types";
import { formatTime } from "../lib/format";
import { Link, paths } from "../lib/router";

export interface Change {
  message: string;
  /** Undo the change (restore what was deleted). */
  undo?: () => Promise<unknown>;
}

export interface ExperimentRowProps {
  experiment: Experiment;
  selected: boolean;
  onSelect: (on: boolean) => void;
  onChanged: (change: Change) => void;
}

type Mode = "view" | "rename" | "confirmDelete";

function messageOf(cause: unknown): string {
  return cause instanceof ApiError ? cause.message : String(cause);
}

export function ExperimentRow({ experiment, selected, onSelect, onChanged }: ExperimentRowProps) {
  const id = useId();
  const { experiment_id: experimentId, name } = experiment;
  const deleted = experiment.lifecycle_stage === "deleted";
  const [mode, setMode] = useState<Mode>("view");
  const [draft, setDraft] = useState(name);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const renameButton = useRef<HTMLButtonElement>(null);
  const confirmButton = useRef<HTMLButtonElement>(null);
  const returnFocus = useRef(false);

  useEffect(() => {
    if (mode === "confirmDelete") confirmButton.current?.focus();
    if (mode === "view" && returnFocus.current) {
      returnFocus.current = false;
      renameButton.current?.focus();
    }
  }, [mode]);

  const act = async (action: () => Promise<Change>) => {
    setBusy(true);
    setError(null);
    try {
      const change = await action();
      setBusy(false);
      setMode("view");
      onChanged(change);
    } catch (cause) {
      setError(messageOf(cause));
      setBusy(false);
    }
  };

  const cancel = () => {
    returnFocus.current = true;
    setMode("view");
    setDraft(name);
    setError(null);
  };

  const rename = (event: FormEvent) => {
    event.preventDefault();
    const next = draft.trim();
    if (!next) {
      setError("Give the experiment a name.");
      return;
    }
    if (next === name) {
      cancel();
      return;
    }
    void act(async () => {
      await renameExperiment(experimentId, next);
      return { message: `Renamed “${name}” to “${next}”.` };
    });
  };

  const remove = () =>
    act(async () => {
      await deleteExperiment(experimentId);
      return { message: `Deleted “${name}” and its runs.`, undo: () => restoreExperiment(experimentId) };
    });

  const restore = () =>
    act(async () => {
      await restoreExperiment(experimentId);
      return { message: `Restored “${name}”.` };
    });

  const onEscape = (event: KeyboardEvent) => {
    if (event.key === "Escape") {
      event.preventDefault();
      cancel();
    }
  };

  return (
    <tr className={selected ? "is-selected" : undefined}>
      <td className="select-cell">
        {!deleted && <input type="checkbox" aria-label={`Select ${name}`} checked={selected} onChange={(event) => onSelect(event.target.checked)} />}
      </td>
      <td>
        {mode === "rename" ? (
          <form className="inline-form" onSubmit={rename} onKeyDown={onEscape}>
            <label htmlFor={`${id}-name`} className="sr-only">
              New name for {name}
            </label>
            <input
              id={`${id}-name`}
              value={draft}
              autoFocus
              aria-invalid={error ? true : undefined}
              aria-describedby={error ? `${id}-error` : undefined}
              onChange={(event) => setDraft(event.target.value)}
            />
            <button type="submit" className="small" disabled={busy}>
              Save
            </button>
            <button type="button" className="secondary small" onClick={cancel}>
              Cancel
            </button>
          </form>
        ) : deleted ? (
          <span>{name}</span>
        ) : (
          <Link to={paths.runs(experimentId)}>{name}</Link>
        )}
        {error && (
          <p id={`${id}-error`} className="field-error" role="alert">
            {error}
          </p>
        )}
      </td>
      <td className="muted">{experimentId}</td>
      <td>{formatTime(experiment.last_update_time)}</td>
      <td className="row-actions">
        {deleted ? (
          <button type="button" className="secondary small" disabled={busy} onClick={() => void restore()} aria-label={`Restore ${name}`}>
            Restore
          </button>
        ) : mode === "confirmDelete" ? (
          <span className="confirm" role="group" aria-label={`Confirm deleting ${name}`} onKeyDown={onEscape}>
            <span>Delete with its runs?</span>
            <button ref={confirmButton} type="button" className="danger small" disabled={busy} onClick={() => void remove()} aria-label={`Delete ${name}`}>
              Delete
            </button>
            <button type="button" className="secondary small" onClick={cancel}>
              Keep
            </button>
          </span>
        ) : (
          mode === "view" && (
            <>
              <button ref={renameButton} type="button" className="secondary small" onClick={() => setMode("rename")} aria-label={`Rename ${name}`}>
                Rename
              </button>
              <button type="button" className="secondary small" onClick={() => setMode("confirmDelete")} aria-label={`Delete ${name}`}>
                Delete
              </button>
            </>
          )
        )}
      </td>
    </tr>
  );
}
