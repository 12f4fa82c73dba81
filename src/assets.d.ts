// Files embedded with `import x from "…" with { type: "text" }` (migrations, dashboard assets).
declare module "*.sql" {
  const text: string;
  export default text;
}
