/** Pieces every page uses: the error line, the "updated at" line and the confirmation dialog. */
import type { ComponentChildren } from "preact";
import { useEffect, useRef } from "preact/hooks";

export function ErrorNote({ error }: { error: string | undefined }) {
  return error ? (
    <p class="error" role="alert">
      {error}
    </p>
  ) : null;
}

/** A scrollable table: column headings (`wide` ones hide on a phone), then the rows given. */
export function Table(props: {
  testId: string;
  head: Array<string | { text: string; wide: true }>;
  empty?: string | false;
  children: ComponentChildren;
}) {
  return (
    <div class="table-wrap">
      <table data-testid={props.testId}>
        <thead>
          <tr>
            {props.head.map((h) =>
              typeof h === "string" ? (
                <th key={h} scope="col">
                  {h}
                </th>
              ) : (
                <th key={h.text} scope="col" class="wide">
                  {h.text}
                </th>
              ),
            )}
          </tr>
        </thead>
        <tbody>{props.children}</tbody>
      </table>
      {props.empty && <p class="empty">{props.empty}</p>}
    </div>
  );
}

export function Updated({ at }: { at: Date | undefined }) {
  return (
    <p class="updated" aria-live="polite">
      {at ? `live, updated ${at.toLocaleTimeString()}` : "loading…"}
    </p>
  );
}

/** A modal <dialog>: focus moves into it, Escape cancels, Tab stays inside (the browser does it). */
export function Confirm(props: {
  open: boolean;
  title: string;
  children: ComponentChildren;
  confirmLabel: string;
  onConfirm: () => void;
  onCancel: () => void;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    if (props.open && !dialog.open) dialog.showModal();
    if (!props.open && dialog.open) dialog.close();
  }, [props.open]);
  return (
    <dialog ref={ref} class="confirm" aria-labelledby="confirm-title" onCancel={props.onCancel}>
      <h2 id="confirm-title">{props.title}</h2>
      {props.children}
      <div class="actions">
        <button type="button" onClick={props.onCancel}>
          Cancel
        </button>
        <button type="button" class="danger" onClick={props.onConfirm}>
          {props.confirmLabel}
        </button>
      </div>
    </dialog>
  );
}
