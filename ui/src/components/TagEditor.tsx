// Tags, editable: change a value in place, delete a tag, add one. A run's tags (MLflow's
// runs/set-tag and runs/delete-tag) or a registered model's or version's, through `TagWriter`.
// Tags are upserts, so adding an existing key replaces its value.
import { useId, useState, type FormEvent, type KeyboardEvent } from "react";
import { ApiError } from "../api/client";
import { deleteRunTag, setRunTag } from "../api/mlflow";
import type { KeyValue } from "../api/types";

/** How tags of one thing are written. */
export interface TagWriter {
  set: (key: string, value: string) => Promise<unknown>;
  remove: (key: string) => Promise<unknown>;
}

export function runTagWriter(runId: string): TagWriter {
  return { set: (key, value) => setRunTag(runId, key, value), remove: (key) => deleteRunTag(runId, key) };
}

export type TagEditorProps = {
  tags: readonly KeyValue[];
  /** After a change the server accepted: reload. */
  onChanged: () => void;
} & ({ runId: string; writer?: undefined } | { writer: TagWriter; runId?: undefined });

function messageOf(cause: unknown): string {
  return cause instanceof ApiError ? cause.message : String(cause);
}

function TagRow({ writer, tag, onChanged }: { writer: TagWriter; tag: KeyValue; onChanged: () => void }) {
  const id = useId();
  const [editing, setEditing] = useState(false);
  const [draft, setDraft] = useState(tag.value);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const run = async (action: () => Promise<unknown>) => {
    setBusy(true);
    setError(null);
    try {
      await action();
      setEditing(false);
      onChanged();
    } catch (cause) {
      setError(messageOf(cause));
    } finally {
      setBusy(false);
    }
  };

  const save = (event: FormEvent) => {
    event.preventDefault();
    void run(() => writer.set(tag.key, draft));
  };

  const cancel = () => {
    setEditing(false);
    setDraft(tag.value);
    setError(null);
  };

  const onKeyDown = (event: KeyboardEvent) => {
    if (event.key !== "Escape") return;
    event.preventDefault();
    cancel();
  };

  return (
    <tr>
      <th scope="row">{tag.key}</th>
      <td className="kv-value">
        {editing ? (
          <form className="inline-form" onSubmit={save} onKeyDown={onKeyDown}>
            <label htmlFor={`${id}-value`} className="sr-only">
              Value of {tag.key}
            </label>
            <input id={`${id}-value`} value={draft} autoFocus onChange={(event) => setDraft(event.target.value)} />
            <button type="submit" className="small" disabled={busy}>
              Save
            </button>
            <button type="button" className="secondary small" onClick={cancel}>
              Cancel
            </button>
          </form>
        ) : (
          tag.value
        )}
        {error && (
          <p className="field-error" role="alert">
            {error}
          </p>
        )}
      </td>
      <td className="row-actions">
        {!editing && (
          <>
            <button type="button" className="secondary small" onClick={() => setEditing(true)} aria-label={`Edit tag ${tag.key}`}>
              Edit
            </button>
            <button type="button" className="secondary small" disabled={busy} onClick={() => void run(() => writer.remove(tag.key))} aria-label={`Delete tag ${tag.key}`}>
              Delete
            </button>
          </>
        )}
      </td>
    </tr>
  );
}

function AddTag({ writer, onChanged }: { writer: TagWriter; onChanged: () => void }) {
  const id = useId();
  const [key, setKey] = useState("");
  const [value, setValue] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (!key.trim()) {
      setError("A tag needs a key.");
      return;
    }
    setBusy(true);
    setError(null);
    try {
      await writer.set(key.trim(), value);
      setKey("");
      setValue("");
      onChanged();
    } catch (cause) {
      setError(messageOf(cause));
    } finally {
      setBusy(false);
    }
  };
  return (
    <form className="add-tag" onSubmit={(event) => void submit(event)} aria-label="Add a tag">
      <div className="field">
        <label htmlFor={`${id}-key`}>Tag key</label>
        <input id={`${id}-key`} value={key} onChange={(event) => setKey(event.target.value)} aria-invalid={error ? true : undefined} />
      </div>
      <div className="field">
        <label htmlFor={`${id}-value`}>Tag value</label>
        <input id={`${id}-value`} value={value} onChange={(event) => setValue(event.target.value)} />
      </div>
      <button type="submit" disabled={busy}>
        Add tag
      </button>
      {error && (
        <p className="field-error" role="alert">
          {error}
        </p>
      )}
    </form>
  );
}

export function TagEditor({ runId, writer: given, tags, onChanged }: TagEditorProps) {
  const writer = given ?? runTagWriter(runId);
  const sorted = [...tags].sort((a, b) => a.key.localeCompare(b.key));
  return (
    <>
      {sorted.length === 0 ? (
        <p className="muted">No tags set.</p>
      ) : (
        <div className="table-scroll">
          <table className="simple-table kv-table">
            <caption className="sr-only">Tags</caption>
            <thead>
              <tr>
                <th scope="col">Key</th>
                <th scope="col">Value</th>
                <th scope="col">
                  <span className="sr-only">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {sorted.map((tag) => (
                <TagRow key={tag.key} writer={writer} tag={tag} onChanged={onChanged} />
              ))}
            </tbody>
          </table>
        </div>
      )}
      <AddTag writer={writer} onChanged={onChanged} />
    </>
  );
}
