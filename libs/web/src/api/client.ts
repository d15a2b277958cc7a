/** The one typed client for the whole API (openapi-fetch over the generated types). */
import createClient, { type Client } from "openapi-fetch";

import type { paths } from "./schema";
import type { Session } from "./session";

export type ApiClient = Client<paths>;

export interface Api {
  client: ApiClient;
  /** fetch with the bearer token and one refresh-and-retry on 401, for streams and downloads. */
  fetch: (request: Request) => Promise<Response>;
  session: Session;
  baseUrl: string;
}

// Routes that answer 401 for a wrong password or a dead refresh cookie: refreshing would not help.
const NO_RETRY = /\/api\/v1\/auth\/(login|register|refresh|logout)$/;

function withToken(request: Request, token: string | null): Request {
  if (!token) return request;
  const headers = new Headers(request.headers);
  headers.set("authorization", `Bearer ${token}`);
  return new Request(request, { headers });
}

export function createApi(session: Session, baseUrl: string, fetchImpl: typeof fetch = (...a) => fetch(...a)): Api {
  const authedFetch = async (request: Request): Promise<Response> => {
    const retry = request.clone();
    const response = await fetchImpl(withToken(request, session.accessToken));
    if (response.status !== 401 || NO_RETRY.test(new URL(request.url).pathname)) return response;
    if (!(await session.refresh())) return response; // the session store now says signedOut
    return fetchImpl(withToken(retry, session.accessToken));
  };
  const client = createClient<paths>({ baseUrl, fetch: authedFetch, credentials: "same-origin" });
  return { client, fetch: authedFetch, session, baseUrl };
}
