// How a call fails below any API's own meaning: the network, or retries spent.

/** The connection failed or was cut before a whole answer arrived: retried like a 5xx. */
export class NetworkError extends Error {
  constructor(
    readonly where: string,
    cause: unknown,
  ) {
    const detail = cause instanceof Error ? (cause.cause instanceof Error ? `${cause.message} (${cause.cause.message})` : cause.message) : String(cause);
    super(`${where}: connection failed: ${detail}`);
    this.name = 'NetworkError';
  }
}

/** A call that kept failing after its retries; `last` is the final failure. */
export class RetriesExhaustedError extends Error {
  constructor(
    readonly attempts: number,
    readonly last: Error,
  ) {
    super(`gave up after ${attempts} attempts: ${last.message}`);
    this.name = 'RetriesExhaustedError';
  }
}
