/**
 * Errors a user can cause through a service (CLI, management API, dashboard). Each edge maps the kind
 * to its own form: an exit code and one line, or an HTTP status and the error envelope.
 */
export type ServiceErrorKind = "invalid" | "not_found" | "conflict" | "forbidden";

export class ServiceError extends Error {
  constructor(
    readonly kind: ServiceErrorKind,
    message: string,
  ) {
    super(message);
    this.name = "ServiceError";
  }
}
