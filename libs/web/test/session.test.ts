import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";

import { createApi } from "../src/api/client";
import { refreshDelayMs, Session } from "../src/api/session";

const tokens = (n: number, expiresIn = 900) =>
  new Response(JSON.stringify({ access_token: `access-${n}`, refresh_token: "never-kept", token_type: "bearer", expires_in: expiresIn }), {
    status: 200,
    headers: { "content-type": "application/json" },
  });

describe("refreshDelayMs", () => {
  it("refreshes at 80 % of the lifetime but at least a minute before expiry", () => {
    expect(refreshDelayMs(900)).toBe(720_000); // 15 min token: after 12 min
    expect(refreshDelayMs(200)).toBe(140_000); // short token: 60 s before expiry wins
    expect(refreshDelayMs(30)).toBe(5_000); // never a busy loop
  });
});

describe("Session", () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it("keeps the access token in memory and refreshes silently before it expires", async () => {
    let n = 0;
    const fetchMock = vi.fn(async (_url: RequestInfo | URL, init?: RequestInit) => {
      expect(init?.credentials).toBe("same-origin"); // the httpOnly cookie goes along
      return tokens(++n);
    });
    const session = new Session({ baseUrl: "http://test", fetch: fetchMock as typeof fetch });
    expect(session.store.getState().status).toBe("unknown");
    await session.refresh();
    expect(session.store.getState()).toMatchObject({ status: "signedIn", accessToken: "access-1" });
    expect(fetchMock).toHaveBeenCalledTimes(1);

    await vi.advanceTimersByTimeAsync(719_000);
    expect(fetchMock).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(2_000);
    expect(fetchMock).toHaveBeenCalledTimes(2);
    expect(session.accessToken).toBe("access-2");
    expect(JSON.stringify(localStorage)).not.toContain("never-kept");
    session.dispose();
  });

  it("shares one request between concurrent refreshes (rotation would see the second as reuse)", async () => {
    const fetchMock = vi.fn(async () => tokens(1));
    const session = new Session({ baseUrl: "http://test", fetch: fetchMock as typeof fetch });
    const results = await Promise.all([session.refresh(), session.refresh(), session.refresh()]);
    expect(results).toEqual([true, true, true]);
    expect(fetchMock).toHaveBeenCalledTimes(1);
    session.dispose();
  });

  it("is signed out when the refresh cookie is refused, and stops refreshing", async () => {
    const fetchMock = vi.fn(async () => new Response('{"error":"InvalidRefreshToken","detail":"x"}', { status: 401 }));
    const session = new Session({ baseUrl: "http://test", fetch: fetchMock as typeof fetch });
    expect(await session.refresh()).toBe(false);
    expect(session.store.getState()).toMatchObject({ status: "signedOut", accessToken: null });
    await vi.advanceTimersByTimeAsync(3_600_000);
    expect(fetchMock).toHaveBeenCalledTimes(1);
    session.dispose();
  });

  it("signs out with {all: true} for every device and forgets the token", async () => {
    const calls: { url: string; body: unknown; auth: string | null }[] = [];
    const fetchMock = vi.fn(async (url: RequestInfo | URL, init?: RequestInit) => {
      calls.push({ url: String(url), body: init?.body ? JSON.parse(String(init.body)) : null, auth: new Headers(init?.headers).get("authorization") });
      return String(url).endsWith("/refresh") ? tokens(1) : new Response(null, { status: 204 });
    });
    const session = new Session({ baseUrl: "http://test", fetch: fetchMock as typeof fetch });
    await session.refresh();
    await session.signOut({ everywhere: true });
    expect(calls[1]).toEqual({ url: "http://test/api/v1/auth/logout", body: { all: true }, auth: "Bearer access-1" });
    expect(session.store.getState().status).toBe("signedOut");
    session.dispose();
  });
});

describe("createApi", () => {
  it("sends the bearer token, and on 401 refreshes once and retries the request", async () => {
    const seen: string[] = [];
    let refreshed = 0;
    const fetchMock = vi.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
      const request = input instanceof Request ? input : new Request(String(input), init);
      const path = new URL(request.url).pathname;
      if (path === "/api/v1/auth/refresh") return tokens(++refreshed + 1);
      seen.push(`${path} ${request.headers.get("authorization")}`);
      return request.headers.get("authorization") === "Bearer access-1"
        ? new Response('{"error":"Unauthorized","detail":"expired"}', { status: 401 })
        : new Response(JSON.stringify({ id: "u1", email: "a@b.c" }), { status: 200, headers: { "content-type": "application/json" } });
    });
    const session = new Session({ baseUrl: "http://test", fetch: fetchMock as typeof fetch });
    session.signIn({ access_token: "access-1", expires_in: 900 });
    const api = createApi(session, "http://test", fetchMock as typeof fetch);
    const result = await api.client.GET("/api/v1/users/me");
    expect(result.response.status).toBe(200);
    expect(seen).toEqual(["/api/v1/users/me Bearer access-1", "/api/v1/users/me Bearer access-2"]);
    expect(refreshed).toBe(1);
    session.dispose();
  });

  it("does not refresh for a failed sign-in", async () => {
    const fetchMock = vi.fn(async () => new Response('{"error":"InvalidCredentials","detail":"no"}', { status: 401 }));
    const session = new Session({ baseUrl: "http://test", fetch: fetchMock as typeof fetch });
    const api = createApi(session, "http://test", fetchMock as typeof fetch);
    const result = await api.client.POST("/api/v1/auth/login", { body: { email: "a@b.c", password: "x" } });
    expect(result.response.status).toBe(401);
    expect(fetchMock).toHaveBeenCalledTimes(1);
    session.dispose();
  });
});
