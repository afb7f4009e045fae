// A version's legacy stage (None, Staging, Production, Archived), changed in place: choose the stage
// and whether the versions already in it move to Archived (MLflow's archive_existing_versions).
import { useEffect, useId, useRef, useState, type FormEvent } from "react";
import { ApiError } from "../api/client";
import { STAGES, transitionModelVersionStage, type Stage } from "../api/registry";

export function StageBadge({ stage }: { stage: string }) {
  return <span className={`stage stage-${stage.toLowerCase()}`}>{stage}</span>;
}

function asStage(value: string): Stage {
  return STAGES.find((stage) => stage.toLowerCase() === value.toLowerCase()) ?? "None";
}

export interface StageEditorProps {
  name: string;
  version: string;
  stage: string;
  onChanged: () => void;
}

export function StageEditor({ name, version, stage, onChanged }: StageEditorProps) {
  const id = useId();
  const [editing, setEditing] = useState(false);
  const [target, setTarget] = useState<Stage>(asStage(stage));
  const [archive, setArchive] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const button = useRef<HTMLButtonElement>(null);
  const returnFocus = useRef(false);
  const archives = target === "Staging" || target === "Production";

  useEffect(() => {
    if (!editing && returnFocus.current) {
      returnFocus.current = false;
      button.current?.focus();
    }
  }, [editing]);

  const open = () => {
    setTarget(asStage(stage));
    setArchive(false);
    setError(null);
    setEditing(true);
  };
  const close = () => {
    returnFocus.current = true;
    setEditing(false);
  };

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (target === asStage(stage) && !(archive && archives)) {
      close();
      return;
    }
    setBusy(true);
    setError(null);
    try {
      await transitionModelVersionStage(name, version, target, archive && archives);
      close();
      onChanged();
    } catch (cause) {
      setError(cause instanceof ApiError ? cause.message : String(cause));
    } finally {
      setBusy(false);
    }
  };

  if (!editing) {
    return (
      <span className="stage-editor">
        <StageBadge stage={stage} />
        <button ref={button} type="button" className="secondary small" onClick={open} aria-label={`Change stage of version ${version}`}>
          Change
        </button>
      </span>
    );
  }
  return (
    <form
      className="stage-form"
      aria-label={`Stage of version ${version}`}
      onSubmit={(event) => void submit(event)}
      onKeyDown={(event) => {
        if (event.key === "Escape") {
          event.preventDefault();
          close();
        }
      }}
    >
      <label htmlFor={`${id}-stage`} className="sr-only">
        New stage for version {version}
      </label>
      <select id={`${id}-stage`} value={target} autoFocus onChange={(event) => setTarget(asStage(event.target.value))}>
        {STAGES.map((option) => (
          <option key={option} value={option}>
            {option}
          </option>
        ))}
      </select>
      {archives && (
        <label className="check-label">
          <input type="checkbox" checked={archive} onChange={(event) => setArchive(event.target.checked)} />
          Archive the versions now in {target}
        </label>
      )}
      <span className="button-row">
        <button type="submit" className="small" disabled={busy}>
          Save stage
        </button>
        <button type="button" className="secondary small" onClick={close}>
          Cancel
        </button>
      </span>
      {error && (
        <p className="field-error" role="alert">
          {error}
        </p>
      )}
    </form>
  );
}
