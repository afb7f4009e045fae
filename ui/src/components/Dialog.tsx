// A modal dialog on the browser's own <dialog>: the page behind is inert, Tab stays inside, Escape
// closes it, and the focus goes back to what opened it. It is placed in <body>, so it inherits
// nothing from where it was opened (a table cell's alignment, say).
import { useEffect, useId, useRef, type ReactNode } from "react";
import { createPortal } from "react-dom";

export interface DialogProps {
  title: string;
  onClose: () => void;
  children: ReactNode;
}

export function Dialog({ title, onClose, children }: DialogProps) {
  const id = useId();
  const ref = useRef<HTMLDialogElement>(null);
  const onCloseRef = useRef(onClose);
  onCloseRef.current = onClose;

  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    const opener = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    if (!dialog.open) {
      if (typeof dialog.showModal === "function") dialog.showModal();
      else dialog.setAttribute("open", "");
    }
    const first =
      dialog.querySelector<HTMLElement>("[data-autofocus]") ?? dialog.querySelector<HTMLElement>("input, select, textarea");
    first?.focus();
    return () => {
      if (dialog.open && typeof dialog.close === "function") dialog.close();
      opener?.focus();
    };
  }, []);

  return createPortal(
    <dialog
      ref={ref}
      className="dialog"
      aria-labelledby={`${id}-title`}
      onCancel={(event) => {
        // Escape: the owner decides, so its state and the dialog never disagree.
        event.preventDefault();
        onCloseRef.current();
      }}
      onKeyDown={(event) => {
        if (event.key === "Escape") {
          event.preventDefault();
          onCloseRef.current();
        }
      }}
    >
      <header className="dialog-header">
        <h2 id={`${id}-title`}>{title}</h2>
        <button type="button" className="link-button dialog-close" aria-label="Close dialog" onClick={() => onCloseRef.current()}>
          ×
        </button>
      </header>
      {children}
    </dialog>,
    document.body,
  );
}
