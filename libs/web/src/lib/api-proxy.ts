/**
 * Same-origin API for a web app's Route Handler (`src/app/api/v1/[...path]/route.ts`): every /api/v1 request is
 * streamed to the gateway (API_ORIGIN, read when the app starts, so one build serves any port). Bodies pass
 * through unbuffered both ways, which keeps Server-Sent Events live. Behind Traefik /api never reaches Next.
 */
const DROP_REQUEST = new Set([
  "connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade", "host", "content-length",
  "accept-encoding", "proxy-connection", "expect",
]);
const DROP_RESPONSE = new Set(["connection", "keep-alive", "transfer-encoding", "content-encoding", "content-length"]);

function apiOrigin(): string {
  return (process.env.API_ORIGIN ?? "http://127.0.0.1:8000").replace(/\/$/, "");
}

export async function forwardToApi(request: Request): Promise<Response> {
  const url = new URL(request.url);
  const target = `${apiOrigin()}${url.pathname}${url.search}`;
  const headers = new Headers();
  request.headers.forEach((value, name) => {
    if (!DROP_REQUEST.has(name)) headers.set(name, value);
  });
  const host = request.headers.get("host");
  if (host) headers.set("x-forwarded-host", host);
  headers.set("x-forwarded-proto", url.protocol.replace(":", ""));
  const hasBody = request.method !== "GET" && request.method !== "HEAD";
  let upstream: Response;
  try {
    upstream = await fetch(target, {
      method: request.method,
      headers,
      body: hasBody ? request.body : undefined,
      redirect: "manual",
      cache: "no-store",
      signal: request.signal,
      // @ts-expect-error -- Node's fetch needs this to stream a request body
      duplex: "half",
    });
  } catch {
    return Response.json(
      { error: "ServiceUnavailable", detail: "The API gateway is not reachable; try again shortly" },
      { status: 503, headers: { "retry-after": "5" } },
    );
  }
  const out = new Headers();
  upstream.headers.forEach((value, name) => {
    if (!DROP_RESPONSE.has(name) && name !== "set-cookie") out.set(name, value);
  });
  for (const cookie of upstream.headers.getSetCookie()) out.append("set-cookie", cookie);
  if ((upstream.headers.get("content-type") ?? "").startsWith("text/event-stream")) {
    out.set("cache-control", "no-cache, no-transform"); // no compression, no buffering on the way out
    out.set("x-accel-buffering", "no");
  }
  return new Response(upstream.body, { status: upstream.status, statusText: upstream.statusText, headers: out });
}

/** The Route Handler's methods, for `export { GET, … } from "@zimage/web/lib/api-proxy"`. */
export {
  forwardToApi as GET,
  forwardToApi as POST,
  forwardToApi as PUT,
  forwardToApi as PATCH,
  forwardToApi as DELETE,
  forwardToApi as HEAD,
  forwardToApi as OPTIONS,
};
