/** Bun compiles JSX against this module outside production; it renders exactly like jsx-runtime. */
export { Fragment, jsx as jsxDEV, jsx, jsxs } from "./jsx-runtime";
// Type-only: run from another directory (no tsconfig found), Bun would look for a value named JSX.
export type { JSX } from "./jsx-runtime";
