// The search box for runs: MLflow's filter grammar, applied on Enter, with the server's
// INVALID_PARAMETER_VALUE message shown right under it.
import { useEffect, useId, useState, type FormEvent, type ReactNode } from "react";

export interface FilterBoxProps {
  value: string;
  onApply: (filter: string) => void;
  error?: string | null;
  busy?: boolean;
  label?: string;
  placeholder?: string;
  /** What the grammar offers, under the box. */
  hint?: ReactNode;
}

const RUNS_HINT = (
  <>
    Fields: <code>metrics.x</code>, <code>params.x</code>, <code>tags.x</code>, <code>attributes.status</code>; join conditions with{" "}
    <code>and</code>.
  </>
);

export function FilterBox({
  value,
  onApply,
  error = null,
  busy = false,
  label = "Filter runs",
  placeholder = 'metrics.rmse < 1 and params.model = "tree"',
  hint = RUNS_HINT,
}: FilterBoxProps) {
  const id = useId();
  const [draft, setDraft] = useState(value);
  useEffect(() => setDraft(value), [value]);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    onApply(draft.trim());
  };

  const hintId = `${id}-hint`;
  const errorId = `${id}-error`;
  return (
    <form className="filter-box" role="search" onSubmit={submit}>
      <label htmlFor={`${id}-input`}>{label}</label>
      <div className="filter-row">
        <input
          id={`${id}-input`}
          type="search"
          value={draft}
          placeholder={placeholder}
          spellCheck={false}
          autoComplete="off"
          aria-invalid={error ? true : undefined}
          aria-describedby={error ? `${errorId} ${hintId}` : hintId}
          onChange={(event) => setDraft(event.target.value)}
        />
        <button type="submit" disabled={busy}>
          Apply
        </button>
        {value && (
          <button
            type="button"
            className="secondary"
            onClick={() => {
              setDraft("");
              onApply("");
            }}
          >
            Clear
          </button>
        )}
      </div>
      {error && (
        <p id={errorId} className="field-error" role="alert">
          {error}
        </p>
      )}
      <p id={hintId} className="field-hint">
        Press Enter to apply. {hint}
      </p>
    </form>
  );
}
