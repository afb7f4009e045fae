// A description, shown as written (line breaks kept) and edited in a text area. A run's lives in
// the `mlflow.note.content` tag (saving an empty text removes the tag); a registered model's or
// version's is saved through `onSave`.
import { useId, useState } from "react";
import { ApiError } from "../api/client";
import { deleteRunTag, setRunTag } from "../api/mlflow";

export const NOTE_TAG = "mlflow.note.content";

export type DescriptionEditorProps = {
  text: string | null;
  onChanged: () => void;
} & ({ runId: string; onSave?: undefined } | { onSave: (text: string) => Promise<unknown>; runId?: undefined });

export function DescriptionEditor({ runId, onSave, text, onChanged }: DescriptionEditorProps) {
  const id = useId();
  const [editing, setEditing] = useState(false);
  const [draft, setDraft] = useState(text ?? "");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const save = async () => {
    setBusy(true);
    setError(null);
    try {
      if (onSave) {
        if (draft.trim() || text) await onSave(draft.trim() ? draft : "");
      } else if (draft.trim()) await setRunTag(runId, NOTE_TAG, draft);
      else if (text !== null) await deleteRunTag(runId, NOTE_TAG);
      setEditing(false);
      onChanged();
    } catch (cause) {
      setError(cause instanceof ApiError ? cause.message : String(cause));
    } finally {
      setBusy(false);
    }
  };

  if (!editing) {
    return (
      <div className="description">
        {text ? <p className="description-text">{text}</p> : <p className="muted">No description.</p>}
        <button
          type="button"
          className="secondary small"
          onClick={() => {
            setDraft(text ?? "");
            setEditing(true);
          }}
        >
          {text ? "Edit description" : "Add a description"}
        </button>
      </div>
    );
  }
  return (
    <form
      className="description"
      onSubmit={(event) => {
        event.preventDefault();
        void save();
      }}
    >
      <label htmlFor={`${id}-text`}>Description</label>
      <textarea
        id={`${id}-text`}
        rows={5}
        value={draft}
        autoFocus
        onChange={(event) => setDraft(event.target.value)}
        onKeyDown={(event) => {
          if (event.key === "Escape") setEditing(false);
          if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) void save();
        }}
      />
      <p className="field-hint">Ctrl+Enter saves, Escape cancels.</p>
      <div className="button-row">
        <button type="submit" disabled={busy}>
          Save description
        </button>
        <button type="button" className="secondary" onClick={() => setEditing(false)}>
          Cancel
        </button>
      </div>
      {error && (
        <p className="field-error" role="alert">
          {error}
        </p>
      )}
    </form>
  );
}
