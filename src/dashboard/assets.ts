/**
 * Static files of the dashboard, all embedded in the executable so pages work with no internet and
 * nothing beside the binary (ARCHITECTURE.md "Single binary"). Served with an ETag, so a browser
 * revalidates cheaply and never runs a stale script after an upgrade.
 */
import uplotCss from "uplot/dist/uPlot.min.css" with { type: "file" };
import uplotJs from "uplot/dist/uPlot.iife.min.js" with { type: "file" };
import appJs from "./assets/app.client.js" with { type: "file" };
import chartsJs from "./assets/charts.client.js" with { type: "file" };
import debugJs from "./assets/debug.client.js" with { type: "file" };
import faviconSvg from "./assets/favicon.client.svg" with { type: "file" };
import siteCss from "./assets/site.client.css" with { type: "file" };

const JS = "text/javascript; charset=utf-8";
const CSS = "text/css; charset=utf-8";
const SVG = "image/svg+xml";

/** Public name → embedded file and its type. */
const FILES: Record<string, { path: string; type: string }> = {
  "site.css": { path: siteCss, type: CSS },
  "app.js": { path: appJs, type: JS },
  "charts.js": { path: chartsJs, type: JS },
  "debug.js": { path: debugJs, type: JS },
  "uplot.js": { path: uplotJs, type: JS },
  "uplot.css": { path: uplotCss, type: CSS },
  "favicon.svg": { path: faviconSvg, type: SVG },
};

export type AssetName = keyof typeof FILES;

export function assetUrl(name: string): string {
  return `/dashboard/assets/${name}`;
}

/** Loaded on first request and kept: a handful of small files. */
export class AssetServer {
  private readonly loaded = new Map<string, { bytes: Uint8Array<ArrayBuffer>; etag: string; type: string }>();

  async respond(name: string, ifNoneMatch: string | null): Promise<Response | undefined> {
    // Own keys only: names such as "constructor" must not reach Object.prototype.
    const file = Object.hasOwn(FILES, name) ? FILES[name] : undefined;
    if (file === undefined) return undefined;
    let asset = this.loaded.get(name);
    if (asset === undefined) {
      const bytes = new Uint8Array(await Bun.file(file.path).arrayBuffer());
      asset = { bytes, etag: `"${Bun.hash(bytes).toString(36)}"`, type: file.type };
      this.loaded.set(name, asset);
    }
    const headers = { etag: asset.etag, "cache-control": "no-cache", "content-type": asset.type, "x-content-type-options": "nosniff" };
    if (ifNoneMatch === asset.etag) return new Response(null, { status: 304, headers });
    return new Response(asset.bytes, { headers });
  }
}
