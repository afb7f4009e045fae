// A destructive action asked twice: the button turns into the question with the action (focused)
// and Keep; Escape or Keep go back. The server's refusal shows under it.
import { useEffect, useRef, useState } from "react";
import { ApiError } from "../api/client";

export interface ConfirmButtonProps {
  /** The button's text, and the confirming button's: "Delete". */
  action: string;
  /** The accessible name of both buttons: "Delete model churn". */
  label: string;
  question: string;
  onConfirm: () => Promise<unknown>;
}

export function ConfirmButton({ action, label, question, onConfirm }: ConfirmButtonProps) {
  const [asking, setAsking] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const trigger = useRef<HTMLButtonElement>(null);
  const confirm = useRef<HTMLButtonElement>(null);
  const returnFocus = useRef(false);

  useEffect(() => {
    if (asking) confirm.current?.focus();
    else if (returnFocus.current) {
      returnFocus.current = false;
      trigger.current?.focus();
    }
  }, [asking]);

  const keep = () => {
    returnFocus.current = true;
    setAsking(false);
    setError(null);
  };

  const run = async () => {
    setBusy(true);
    setError(null);
    try {
      await onConfirm();
    } catch (cause) {
      setError(cause instanceof ApiError ? cause.message : String(cause));
    } finally {
      setBusy(false);
    }
  };

  return (
    <span className="confirm-action">
      {asking ? (
        <span
          className="confirm"
          role="group"
          aria-label={`Confirm: ${label}`}
          onKeyDown={(event) => {
            if (event.key === "Escape") {
              event.preventDefault();
              keep();
            }
          }}
        >
          <span>{question}</span>
          <button ref={confirm} type="button" className="danger small" disabled={busy} onClick={() => void run()} aria-label={label}>
            {action}
          </button>
          <button type="button" className="secondary small" onClick={keep}>
            Keep
          </button>
        </span>
      ) : (
        <button ref={trigger} type="button" className="secondary small" onClick={() => setAsking(true)} aria-label={label}>
          {action}
        </button>
      )}
      {error && (
        <span className="field-error" role="alert">
          {error}
        </span>
      )}
    </span>
  );
}
