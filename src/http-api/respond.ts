/**
 * The one place where the Pusher HTTP API turns results and errors into responses: 200 with a JSON
 * body on success (PHP's SDK rejects anything else, §5.1), Pusher's status with `{"error": …}` on a
 * refusal. Unexpected errors are logged and answered 500 without internals.
 */
import { HttpError, QuotaExceededError } from "../protocol/errors";

export async function respond(work: () => Promise<unknown>): Promise<Response> {
  try {
    return Response.json(await work());
  } catch (err) {
    return errorResponse(err);
  }
}

/** As `respond`, with no promise of its own when the work answers synchronously (the fast path). */
export function respondNow(work: () => unknown): Response | Promise<Response> {
  let result: unknown;
  try {
    result = work();
  } catch (err) {
    return errorResponse(err);
  }
  return result instanceof Promise ? result.then((value) => Response.json(value), errorResponse) : Response.json(result);
}

function errorResponse(err: unknown): Response {
  if (err instanceof HttpError) return Response.json({ error: err.message }, { status: err.status });
  if (err instanceof QuotaExceededError) return Response.json({ error: err.message }, { status: 403 });
  console.error("mawjly: HTTP API internal error:", err);
  return Response.json({ error: "Internal server error" }, { status: 500 });
}
