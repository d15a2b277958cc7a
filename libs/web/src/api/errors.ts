/** Every non-2xx answer of the API, in our error shape `{error, detail}` plus what the UI needs. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly detail: string,
    /** Seconds from Retry-After on 429/503, if the server sent it. */
    readonly retryAfter: number | null = null,
  ) {
    super(`${status} ${code}: ${detail}`);
    this.name = "ApiError";
  }

  get isUnauthorized(): boolean {
    return this.status === 401;
  }
}

/** A network failure (no answer at all) looks like this, so pages show one "can't reach" state. */
export const NETWORK_ERROR = "NetworkError";

export function retryAfterSeconds(response: Response): number | null {
  const value = response.headers.get("retry-after");
  if (!value) return null;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, Math.round(seconds));
  const date = Date.parse(value);
  return Number.isNaN(date) ? null : Math.max(0, Math.round((date - Date.now()) / 1000));
}

export function errorFromBody(response: Response, body: unknown): ApiError {
  const shaped = body as { error?: unknown; detail?: unknown } | null | undefined;
  const code = typeof shaped?.error === "string" ? shaped.error : `HTTP${response.status}`;
  const detail = typeof shaped?.detail === "string" ? shaped.detail : response.statusText;
  return new ApiError(response.status, code, detail, retryAfterSeconds(response));
}

export async function errorFromResponse(response: Response): Promise<ApiError> {
  let body: unknown = null;
  try {
    body = await response.json();
  } catch {
    body = null;
  }
  return errorFromBody(response, body);
}

/** The data of an openapi-fetch result, or its error thrown as ApiError (TanStack Query catches it). */
export function unwrap<T>(result: { data?: T; error?: unknown; response: Response }): T {
  if (!result.response.ok) throw errorFromBody(result.response, result.error);
  return result.data as T;
}
