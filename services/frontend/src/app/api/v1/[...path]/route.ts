/**
 * Same-origin API in the embedded mode: every /api/v1 request is streamed to the gateway (API_ORIGIN,
 * read when the app starts, so one build serves any port). Bodies pass through unbuffered both ways,
 * which keeps the progress stream (text/event-stream) live. Behind Traefik /api never reaches Next.
 */
import type { NextRequest } from "next/server";

export const dynamic = "force-dynamic";

const DROP_REQUEST = new Set([
  "connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade", "host", "content-length",
  "accept-encoding", "proxy-connection", "expect",
]);
const DROP_RESPONSE = new Set(["connection", "keep-alive", "transfer-encoding", "content-encoding", "content-length"]);

function apiOrigin(): string {
  return (process.env.API_ORIGIN ?? "http://127.0.0.1:8000").replace(/\/$/, "");
}

async function forward(request: NextRequest): Promise<Response> {
  const target = `${apiOrigin()}${request.nextUrl.pathname}${request.nextUrl.search}`;
  const headers = new Headers();
  request.headers.forEach((value, name) => {
    if (!DROP_REQUEST.has(name)) headers.set(name, value);
  });
  const host = request.headers.get("host");
  if (host) headers.set("x-forwarded-host", host);
  headers.set("x-forwarded-proto", request.nextUrl.protocol.replace(":", ""));
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

export { forward as GET, forward as POST, forward as PUT, forward as PATCH, forward as DELETE, forward as HEAD, forward as OPTIONS };
