/**
 * A tiny JSX runtime that renders straight to HTML strings for the server-rendered dashboard. Every
 * string child and attribute value is escaped; markup only enters through `raw()`, so an app name
 * like `<img src=x onerror=alert(1)>` always renders as text. Components are plain functions.
 */

/** Markup that is already safe: produced by this runtime or passed explicitly through `raw()`. */
export class Html {
  constructor(readonly html: string) {}
  toString(): string {
    return this.html;
  }
}

export type Child = Html | string | number | bigint | boolean | null | undefined | readonly Child[];
type AttrValue = string | number | boolean | null | undefined;
type Props = { children?: Child } & Record<string, unknown>;
type Component<P> = (props: P) => Html;

/** The one way to emit unescaped markup; callers must guarantee it is safe. */
export function raw(html: string): Html {
  return new Html(html);
}

const ESCAPES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

// Elements without a closing tag (HTML Living Standard §13.1.2).
const VOID = new Set(["area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"]);
const ATTR_NAME = /^[A-Za-z_:][-A-Za-z0-9_:.]*$/;
const URL_ATTRS = new Set(["href", "src", "action", "formaction"]);

export function renderChild(child: Child): string {
  if (child === null || child === undefined || typeof child === "boolean") return "";
  if (child instanceof Html) return child.html;
  if (Array.isArray(child)) return child.map(renderChild).join("");
  return escapeHtml(String(child));
}

function renderAttrs(props: Props): string {
  let out = "";
  for (const [name, value] of Object.entries(props)) {
    if (name === "children" || value === undefined || value === null || value === false) continue;
    if (!ATTR_NAME.test(name)) throw new Error(`Invalid attribute name: ${name}`);
    if (value === true) {
      out += ` ${name}`;
      continue;
    }
    const text = String(value as AttrValue);
    // Defence in depth: no script URLs even if a value ever came from user input.
    if (URL_ATTRS.has(name) && /^\s*(javascript|vbscript|data):/i.test(text)) throw new Error(`Refused ${name} URL scheme`);
    out += ` ${name}="${escapeHtml(text)}"`;
  }
  return out;
}

export function jsx(tag: string | Component<any>, props: Props): Html {
  if (typeof tag === "function") return tag(props);
  if (!/^[a-z][a-z0-9-]*$/.test(tag)) throw new Error(`Invalid tag: ${tag}`);
  // Script and style bodies are not HTML-escaped by browsers, so only trusted markup may go in.
  if ((tag === "script" || tag === "style") && props.children !== undefined && !(props.children instanceof Html)) {
    throw new Error(`<${tag}> content must be raw(): strings are not escaped inside it`);
  }
  const open = `<${tag}${renderAttrs(props)}>`;
  if (VOID.has(tag)) return new Html(open);
  return new Html(`${open}${renderChild(props.children as Child)}</${tag}>`);
}

export const jsxs = jsx;

export function Fragment(props: { children?: Child }): Html {
  return new Html(renderChild(props.children));
}

export namespace JSX {
  export type Element = Html;
  export interface ElementChildrenAttribute {
    children: {};
  }
  export interface IntrinsicElements {
    [tag: string]: { children?: Child; [attr: string]: unknown };
  }
}
