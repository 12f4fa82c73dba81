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
    if (err instanceof HttpError) return Response.json({ error: err.message }, { status: err.status });
    if (err instanceof QuotaExceededError) return Response.json({ error: err.message }, { status: 403 });
    console.error("mawjly: HTTP API internal error:", err);
    return Response.json({ error: "Internal server error" }, { status: 500 });
  }
}
