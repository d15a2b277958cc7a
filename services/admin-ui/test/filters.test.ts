import { describe, expect, it } from "vitest";

import { auditDetailLines, showValue, targetName } from "@/lib/audit";
import { auditFilterSearch, auditQuery, parseAuditFilters } from "@/lib/audit-filters";
import { limitInput, parseLimit } from "@/lib/quota";
import { failureTone, imageRows, topUserRows, waitRows } from "@/lib/stats";
import { parseUserFilters, userFilterSearch } from "@/lib/user-filters";

const UUID = "3f2b7c1e-8a4d-4e6f-9b0a-1c2d3e4f5a6b";

describe("users table filters in the address", () => {
  it("default to newest first and keep only valid values", () => {
    expect(parseUserFilters(new URLSearchParams())).toEqual({ sort: "created_at", order: "desc" });
    expect(parseUserFilters(new URLSearchParams("sort=email"))).toEqual({ sort: "email", order: "asc" });
    expect(parseUserFilters(new URLSearchParams("q=%20kim%20&role=admin&active=false&sort=images_this_month&order=asc"))).toEqual({
      q: "kim",
      role: "admin",
      active: false,
      sort: "images_this_month",
      order: "asc",
    });
    expect(parseUserFilters(new URLSearchParams("role=root&active=maybe&sort=password&order=up"))).toEqual({
      sort: "created_at",
      order: "desc",
    });
  });

  it("write defaults out of the address and leave other parameters alone", () => {
    expect(userFilterSearch({ sort: "created_at", order: "desc" })).toBe("");
    expect(userFilterSearch({ sort: "email", order: "asc", active: true }, new URLSearchParams("user=abc&q=old"))).toBe(
      "user=abc&active=true&sort=email&order=asc",
    );
    const state = parseUserFilters(new URLSearchParams("q=박&role=user&sort=last_login_at&order=asc"));
    expect(parseUserFilters(new URLSearchParams(userFilterSearch(state)))).toEqual(state);
  });
});

describe("quota form", () => {
  it("sends null for the default and whole numbers within bounds", () => {
    expect(parseLimit({ useDefault: true, value: "abc" }, "images_per_day")).toBeNull();
    expect(parseLimit({ useDefault: false, value: " 200 " }, "images_per_day")).toBe(200);
    expect(parseLimit({ useDefault: false, value: "0" }, "images_per_day")).toBe("invalid");
    expect(parseLimit({ useDefault: false, value: "2.5" }, "max_active_tasks")).toBe("invalid");
    expect(parseLimit({ useDefault: false, value: "101" }, "max_active_tasks")).toBe("invalid");
    expect(parseLimit({ useDefault: false, value: "" }, "max_active_tasks")).toBe("invalid");
    expect(limitInput(null, 50)).toEqual({ useDefault: true, value: "50" });
    expect(limitInput(7, 50)).toEqual({ useDefault: false, value: "7" });
  });
});

describe("audit log", () => {
  const show = showValue("default", (at) => `<${at.toISOString()}>`);

  it("reads each service's detail as short lines", () => {
    expect(auditDetailLines({ email: "a@x.kr", is_active: { from: true, to: false } }, show)).toEqual([
      { key: "is_active", text: "true → false" },
    ]);
    const quota = {
      before: { images_per_day: null, max_active_tasks: null },
      after: { images_per_day: 200, max_active_tasks: null },
      changes: { images_per_day: { from: null, to: 200 } },
    };
    expect(auditDetailLines(quota, show)).toEqual([{ key: "images_per_day", text: "default → 200" }]);
    expect(auditDetailLines({ name: "Sale", fields: ["pattern", "variables"] }, show)).toEqual([
      { key: "fields", text: "pattern, variables" },
    ]);
    expect(auditDetailLines({ expires_at: "2026-11-27T12:50:50.871140+00:00" }, show)).toEqual([
      { key: "expires_at", text: "<2026-11-27T12:50:50.871Z>" },
    ]);
    expect(targetName({ label: "Golden hour" })).toBe("Golden hour");
    expect(targetName({ expires_at: "2026-11-27T00:00:00Z" })).toBeNull();
  });

  it("keeps filters in the address and sends them with the day range", () => {
    const params = new URLSearchParams(`actor=${UUID}&action=quota.update&target_type=user&target_id=%20x%20&from=2026-11-01&to=2026-11-02`);
    const state = parseAuditFilters(params);
    expect(state).toEqual({ actor: UUID, action: "quota.update", targetType: "user", targetId: "x" });
    expect(parseAuditFilters(new URLSearchParams("actor=not-a-uuid"))).toEqual({});
    expect(auditQuery(state, { from: "2026-11-01", to: "2026-11-02" }, "Asia/Seoul")).toEqual({
      from: "2026-10-31T15:00:00.000Z",
      to: "2026-11-02T15:00:00.000Z",
      actor_id: UUID,
      action: "quota.update",
      target_type: "user",
      target_id: "x",
    });
    expect(auditFilterSearch({ action: "user.update" }, params)).toBe("action=user.update&from=2026-11-01&to=2026-11-02");
  });
});

describe("dashboard helpers", () => {
  const point = (start: string, images: number, p95: number | null = null) => ({
    start, images, tasks: images ? 1 : 0, failures: 0, canceled: 0, active_users: images ? 1 : 0, gpu_seconds: images,
    queue_wait_p50: p95, queue_wait_p95: p95,
  });
  const totals = { images: 0, tasks: 0, failures: 0, failure_rate: 0, active_users: 0, gpu_seconds: 0, queue_wait_p50: null, queue_wait_p95: null };
  const hourly = {
    from: "2026-11-24T15:00:00Z", to: "2026-11-26T15:00:00Z", bucket: "hour" as const, totals, top_users: [],
    series: [point("2026-11-25T14:00:00Z", 1, 2.5), point("2026-11-25T15:00:00Z", 2), point("2026-11-26T14:00:00Z", 3)],
  };

  it("chart a two-day range by the hour and a longer one by the team's days", () => {
    expect(imageRows(hourly, { from: "2026-11-25", to: "2026-11-26" }, "ko", "Asia/Seoul").map((r) => [r.label, r.images])).toEqual([
      ["11. 25. 23:00", 1],
      ["11. 26. 00:00", 2],
      ["11. 26. 23:00", 3],
    ]);
    expect(imageRows(hourly, { from: "2026-11-20", to: "2026-11-26" }, "en", "Asia/Seoul")).toEqual([
      { label: "11/25", images: 1, failures: 0 },
      { label: "11/26", images: 5, failures: 0 },
    ]);
    const daily = { ...hourly, bucket: "day" as const, series: [point("2026-11-26T00:00:00Z", 4, 1)] };
    expect(imageRows(daily, { from: "2026-08-29", to: "2026-11-26" }, "en", "Asia/Seoul")).toEqual([{ label: "11/26", images: 4, failures: 0 }]);
    expect(waitRows(hourly, { from: "2026-11-26", to: "2026-11-26" }, "en", "Asia/Seoul")[0]).toEqual({
      label: "23:00", queue_wait_p50: 2.5, queue_wait_p95: 2.5,
    });
  });

  it("colour the failure rate from 5 % and 20 %", () => {
    expect([failureTone(0), failureTone(0.049), failureTone(0.05), failureTone(0.2)]).toEqual(["default", "default", "warning", "danger"]);
  });

  it("name the top users, and say so when one is unknown", () => {
    const stats = {
      top_users: [
        { user_id: UUID, images: 4, tasks: 2, gpu_seconds: 12.5 },
        { user_id: "00000000-0000-4000-8000-000000000000", images: 1, tasks: 1, gpu_seconds: 3 },
      ],
    } as Parameters<typeof topUserRows>[0];
    const users = new Map([[UUID, { display_name: "김마케터", email: "kim@x.kr" }]]);
    expect(topUserRows(stats, users, "알 수 없음")).toEqual([
      { id: UUID, name: "김마케터", value: 12.5 },
      { id: "00000000-0000-4000-8000-000000000000", name: "알 수 없음 (00000000)", value: 3 },
    ]);
  });
});
