/**
 * Build information. `npm run build` passes these identifiers with `bun build --define`; in
 * development they are undefined and we report the package version and "dev".
 */
import pkg from "../package.json" with { type: "json" };

declare const MAWJLY_VERSION: string | undefined;
declare const MAWJLY_COMMIT: string | undefined;
declare const MAWJLY_BUILD_DATE: string | undefined;

export const version: string = typeof MAWJLY_VERSION === "string" ? MAWJLY_VERSION : pkg.version;
export const commit: string = typeof MAWJLY_COMMIT === "string" ? MAWJLY_COMMIT : "dev";
export const buildDate: string = typeof MAWJLY_BUILD_DATE === "string" ? MAWJLY_BUILD_DATE : "not built";

export function versionLine(): string {
  return `mawjly ${version} (commit ${commit}, built ${buildDate})`;
}
