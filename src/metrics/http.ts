/**
 * HTTP request metrics, taken at the one place where the answer is certain: the Response the server
 * hands to Bun. Elysia's own afterResponse context cannot be trusted for the status: when a plugin's
 * onError returns a Response, the context still holds the status Elysia guessed before the error
 * handler ran (500 for a thrown error, 422 for a schema violation), so a 401 was counted as 500 and a
 * 400 as 422. The route template is the only thing taken from the framework: a hook reports the
 * matched route for the request (`matched`), and `observe` joins it with the Response.
 *
 * Labels stay bounded: route templates (never raw paths; "unmatched" for anything the router did
 * not match), a fixed set of methods, status codes, and app ids only for apps that exist.
 */
import type { HttpSeries, Metrics } from "./prometheus";

const METHODS = new Set(["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]);

/** Any other method (HTTP allows arbitrary tokens) is "other", so a client cannot invent series. */
export function methodLabel(method: string): string {
  return METHODS.has(method) ? method : "other";
}

/** The app a request concerns: only routes whose parameter is an app id. */
export function appOfRoute(route: string, params: Readonly<Record<string, string>> | undefined): string | undefined {
  if (params?.appId !== undefined) return params.appId;
  if (route.startsWith("/api/v1/apps/:id") || route.startsWith("/dashboard/apps/:id")) return params?.id;
  return undefined;
}

export class HttpObserver {
  private readonly routes = new WeakMap<Request, { route: string; appId: string | undefined }>();
  private readonly fastSeries = new Map<string, Map<string, Map<number, HttpSeries>>>();

  constructor(
    private readonly metrics: Metrics,
    /** Unknown app ids in URLs must not grow the metrics: only existing apps become labels. */
    private readonly appExists: (appId: string) => boolean,
  ) {}

  /** Called by the router hook with the matched route template (not the URL) and its parameters. */
  matched(request: Request, route: string | undefined, params: Readonly<Record<string, string>> | undefined): void {
    if (route === undefined || route === "") return;
    const appId = appOfRoute(route, params);
    this.routes.set(request, { route, appId: appId !== undefined && this.appExists(appId) ? appId : undefined });
  }

  /**
   * For the routes answered outside Elysia (the HTTP API's fast path, always POST): the same series
   * `matched` and `observe` give. `started` is the request's performance.now(). Every signed trigger
   * passes here, so the series are kept by route, app and status: no label object, no key string.
   */
  recordRoute(route: string, appId: string, status: number, started: number): void {
    const seconds = (performance.now() - started) / 1000;
    // Only ids of apps that exist become labels (and entries here): ids in URLs are anyone's to invent.
    if (!this.appExists(appId)) return this.metrics.recordHttpSeries(this.metrics.httpSeriesOf("POST", route, status, undefined), seconds);
    let byApp = this.fastSeries.get(route);
    if (byApp === undefined) this.fastSeries.set(route, (byApp = new Map()));
    let byStatus = byApp.get(appId);
    if (byStatus === undefined) byApp.set(appId, (byStatus = new Map()));
    let series = byStatus.get(status);
    if (series === undefined) {
      const found = this.metrics.httpSeriesOf("POST", route, status, appId);
      if (found.cached) byStatus.set(status, found);
      series = found;
    }
    this.metrics.recordHttpSeries(series, seconds);
  }

  /**
   * Runs `handle` and records the status of the Response it produced and the time until then (time to
   * headers: a streamed body, such as the dashboard's event stream, is not waited for).
   */
  observe(request: Request, handle: () => Response | Promise<Response>): Response | Promise<Response> {
    const started = performance.now();
    const record = (status: number) => {
      const seen = this.routes.get(request);
      this.metrics.recordHttp({
        method: methodLabel(request.method),
        route: seen?.route ?? "unmatched",
        status,
        appId: seen?.appId,
        seconds: (performance.now() - started) / 1000,
      });
    };
    let result: Response | Promise<Response>;
    try {
      result = handle();
    } catch (err) {
      record(500);
      throw err;
    }
    if (result instanceof Response) {
      record(result.status);
      return result;
    }
    return recorded(result, record);
  }
}

/** Records the status of the Response a promise gives, or 500 when it fails (and passes both on). */
export function recorded(result: Promise<Response>, record: (status: number) => void): Promise<Response> {
  return result.then(
    (response) => {
      record(response.status);
      return response;
    },
    (err: unknown) => {
      record(500);
      throw err;
    },
  );
}
