// The JSON routes, as this page calls them: one GET helper whose errors carry a sentence a
// person can act on, and a way to let only the latest of a kind of request land.

export class ApiError extends Error {
  constructor(message, status) {
    super(message);
    this.status = status;
  }
}

/**
 * GETs a JSON route. Resolves {status, body} (body null on 204); rejects with an ApiError
 * carrying the server's own `error` sentence, or one of ours when there is none.
 */
export async function getJson(path, signal) {
  let response;
  try {
    response = await fetch(path, { headers: { Accept: 'application/json' }, signal });
  } catch (error) {
    if (isAbort(error)) throw error;
    throw new ApiError('Cannot reach the krispyto server. Check that it is running, then reload this page.', 0);
  }
  if (response.status === 204) return { status: 204, body: null };
  const text = await response.text();
  let body = null;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    body = null;
  }
  if (!response.ok) {
    const message = body && typeof body.error === 'string' && body.error
      ? body.error
      : `The server could not answer just now (${response.status} ${response.statusText}). Try again shortly.`;
    throw new ApiError(message, response.status);
  }
  if (body === null) {
    throw new ApiError('The server sent an answer this page cannot read. Reload the page.', response.status);
  }
  return { status: response.status, body };
}

export const isAbort = (error) => Boolean(error) && error.name === 'AbortError';

/** One request at a time per purpose: each call aborts the previous one's signal. */
export function latestOnly() {
  let controller = null;
  return () => {
    if (controller) controller.abort();
    controller = new AbortController();
    return controller.signal;
  };
}

/** A query string from an object, leaving out empty values. */
export function query(params) {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) {
    if (value !== null && value !== undefined && value !== '') search.set(name, String(value));
  }
  return search.toString();
}
