/** @jsxImportSource ../jsx */
/** Small building blocks shared by the pages: CSRF field, notices, labelled fields, meters, copy blocks. */
import type { Viewer } from "../http";
import type { Child } from "../jsx/jsx-runtime";

export function Csrf(props: { viewer: Viewer }) {
  return <input type="hidden" name="_csrf" value={props.viewer.csrf} />;
}

/** A success or error banner; errors are announced at once by screen readers. */
export function Notice(props: { ok?: string; error?: string }) {
  return (
    <>
      {props.ok && <p class="notice ok" role="status">{props.ok}</p>}
      {props.error && <p class="notice error" role="alert">{props.error}</p>}
    </>
  );
}

export interface FieldProps {
  label: string;
  name: string;
  type?: string;
  value?: string | number;
  hint?: string;
  required?: boolean;
  min?: number;
  max?: number;
  autocomplete?: string;
  placeholder?: string;
  id?: string;
  maxlength?: number;
}

export function Field(props: FieldProps) {
  const id = props.id ?? `f-${props.name}`;
  return (
    <div class="field">
      <label for={id}>{props.label}</label>
      <input
        id={id}
        name={props.name}
        type={props.type ?? "text"}
        value={props.value}
        required={props.required}
        min={props.min}
        max={props.max}
        maxlength={props.maxlength}
        autocomplete={props.autocomplete}
        placeholder={props.placeholder}
        aria-describedby={props.hint ? `${id}-hint` : undefined}
      />
      {props.hint && <p class="hint" id={`${id}-hint`}>{props.hint}</p>}
    </div>
  );
}

export function Checkbox(props: { label: string; name: string; checked: boolean; hint?: string; value?: string; id?: string }) {
  const id = props.id ?? `c-${props.name}`;
  return (
    <div class="check">
      <input type="checkbox" id={id} name={props.name} value={props.value ?? "on"} checked={props.checked} aria-describedby={props.hint ? `${id}-hint` : undefined} />
      <label for={id}>{props.label}</label>
      {props.hint && <p class="hint" id={`${id}-hint`}>{props.hint}</p>}
    </div>
  );
}

/** "12 of 100" with a meter; a max of 0 means unlimited. `live` names the field the poller refreshes. */
export function Usage(props: { label: string; used: number; max: number; live?: string }) {
  const unlimited = props.max === 0;
  return (
    <div class="usage">
      <span class="usage-label">{props.label}</span>
      <span class="usage-value">
        <strong data-live={props.live}>{props.used.toLocaleString("en")}</strong>
        {unlimited ? " (unlimited)" : ` of ${props.max.toLocaleString("en")}`}
      </span>
      {!unlimited && <meter min="0" max={props.max} value={Math.min(props.used, props.max)} high={props.max * 0.8} optimum="0" aria-label={props.label}></meter>}
    </div>
  );
}

/** A code block with a copy button (the button needs JavaScript; the text is selectable regardless). */
export function CopyBlock(props: { id: string; label: string; code: string; lang?: string }) {
  return (
    <figure class="copy-block">
      <figcaption>
        <span id={`${props.id}-label`}>{props.label}</span>
        <button type="button" class="small" data-copy={props.id} aria-describedby={`${props.id}-label`} hidden>Copy</button>
      </figcaption>
      <pre tabindex="0" aria-labelledby={`${props.id}-label`}><code id={props.id} data-lang={props.lang}>{props.code}</code></pre>
    </figure>
  );
}

/** A one-button form for an action (revoke, delete, reveal), with an optional confirmation prompt. */
export function ActionButton(props: { viewer: Viewer; action: string; label: string; danger?: boolean; confirm?: string; fields?: Record<string, string>; children?: Child }) {
  return (
    <form method="post" action={props.action} class="inline" data-confirm={props.confirm}>
      <input type="hidden" name="_csrf" value={props.viewer.csrf} />
      {Object.entries(props.fields ?? {}).map(([name, value]) => <input type="hidden" name={name} value={value} />)}
      {props.children}
      <button type="submit" class={props.danger ? "danger small" : "small"}>{props.label}</button>
    </form>
  );
}

export function formatTime(iso: string | number): string {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? String(iso) : date.toISOString().replace("T", " ").slice(0, 16) + " UTC";
}
