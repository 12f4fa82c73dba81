// Dashboard assets embedded in the executable with `import x from "…" with { type: "file" }`: the
// default export is a path that Bun.file() opens, from disk in development and from the binary when
// compiled. Narrow patterns, so a genuinely missing .js or .css import elsewhere still fails to compile.
declare module "*.client.js" {
  const path: string;
  export default path;
}
declare module "*.client.svg" {
  const path: string;
  export default path;
}
declare module "*.client.css" {
  const path: string;
  export default path;
}
declare module "uplot/dist/uPlot.iife.min.js" {
  const path: string;
  export default path;
}
declare module "uplot/dist/uPlot.min.css" {
  const path: string;
  export default path;
}
