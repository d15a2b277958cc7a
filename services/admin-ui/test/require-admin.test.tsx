import { cleanup, screen, waitFor } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";

import { RequireAdmin } from "@/components/require-admin";

import { renderWithApp } from "./render";

vi.mock("next/navigation", () => ({
  useRouter: () => ({ replace: vi.fn(), refresh: vi.fn() }),
  usePathname: () => "/dashboard",
  useSearchParams: () => new URLSearchParams(),
}));

afterEach(cleanup);

const me = (role: "user" | "admin") =>
  (async (input: RequestInfo | URL) => {
    const url = String(input instanceof Request ? input.url : input);
    if (url.endsWith("/api/v1/users/me")) {
      return Response.json({
        id: "3f2b7c1e-8a4d-4e6f-9b0a-1c2d3e4f5a6b",
        email: "member@example.com",
        display_name: "Member",
        role,
        is_active: true,
        created_at: "2026-11-01T00:00:00Z",
        updated_at: "2026-11-01T00:00:00Z",
        last_login_at: null,
      });
    }
    return new Response("{}", { status: 404 });
  }) as typeof fetch;

describe("the admin gate", () => {
  it("stops a signed-in regular user at a clear page with a way out", async () => {
    renderWithApp(<RequireAdmin>secret admin page</RequireAdmin>, { fetch: me("user") });
    expect(await screen.findByRole("heading", { name: "관리자가 아닙니다" })).toBeTruthy();
    expect(screen.getByText(/member@example.com/)).toBeTruthy();
    expect(screen.getByRole("button", { name: "로그아웃하고 다른 계정으로 로그인" })).toBeTruthy();
    expect(screen.queryByText("secret admin page")).toBeNull();
  });

  it("lets an administrator in", async () => {
    renderWithApp(<RequireAdmin>secret admin page</RequireAdmin>, { fetch: me("admin"), locale: "en" });
    await waitFor(() => expect(screen.getByText("secret admin page")).toBeTruthy());
  });
});
