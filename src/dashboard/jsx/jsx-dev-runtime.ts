/** Bun compiles JSX against this module outside production; it renders exactly like jsx-runtime. */
export { Fragment, JSX, jsx as jsxDEV, jsx, jsxs } from "./jsx-runtime";
