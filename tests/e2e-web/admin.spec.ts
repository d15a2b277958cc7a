import { test as base, type APIRequestContext, type Page } from "@playwright/test";

import { expect, login, PASSWORD, snap, uniqueEmail } from "./fixtures";

/** The admin app (services/admin-ui) on its own port, with the first administrator stack.py made. */
const test = base.extend({
  baseURL: async ({}, use) => {
    await use(process.env.E2E_ADMIN_URL);
  },
});

const ADMIN = { email: process.env.E2E_ADMIN_EMAIL ?? "", password: process.env.E2E_ADMIN_PASSWORD ?? PASSWORD };
const member = { email: uniqueEmail("member"), name: `팀원 ${Date.now().toString(36)}`, token: "", id: "" };

test.describe.configure({ mode: "serial" });

async function signUp(request: APIRequestContext, email: string, name: string): Promise<{ token: string; id: string }> {
  expect((await request.post("/api/v1/auth/register", { data: { email, password: PASSWORD, display_name: name } })).status()).toBe(201);
  const tokens = (await (await request.post("/api/v1/auth/login", { data: { email, password: PASSWORD } })).json()) as { access_token: string };
  const me = (await (await request.get("/api/v1/users/me", { headers: { authorization: `Bearer ${tokens.access_token}` } })).json()) as { id: string };
  return { token: tokens.access_token, id: me.id };
}

async function generate(request: APIRequestContext, token: string, images: number): Promise<number> {
  const headers = { authorization: `Bearer ${token}` };
  const submitted = await request.post("/api/v1/generate", { headers, data: { prompt: "봄 세일 배너", num_images: images, width: 256, height: 256 } });
  if (submitted.status() !== 202) return submitted.status();
  const { id } = (await submitted.json()) as { id: string };
  await expect
    .poll(async () => ((await (await request.get(`/api/v1/tasks/${id}`, { headers })).json()) as { status: string }).status, { timeout: 90_000 })
    .toBe("completed");
  return 202;
}

async function statValue(page: Page, testId: string): Promise<number> {
  const text = await page.getByTestId(testId).locator('[data-slot="value"]').innerText();
  return Number(text.replace(/[^\d]/g, ""));
}

test("only administrators enter: the signed-out go to sign-in, a regular user is told plainly", async ({ page, request }) => {
  await page.goto("/users");
  await expect(page).toHaveURL(/\/login\?next=%2Fusers$/);
  await expect(page.getByRole("heading", { name: "관리자 로그인" })).toBeVisible();

  const outsider = uniqueEmail("outsider");
  await signUp(request, outsider, "일반 사용자");
  await login(page, outsider);
  await expect(page.getByRole("heading", { name: "관리자가 아닙니다" })).toBeVisible();
  await expect(page.getByText(outsider)).toBeVisible();
  await expect(page.getByRole("navigation", { name: "관리 메뉴" })).toHaveCount(0);
  await page.getByRole("button", { name: "로그아웃하고 다른 계정으로 로그인" }).click();
  await expect(page).toHaveURL(/\/login$/);
});

test("an administrator watches usage, manages a member's account, limits and password, and finds it all in the audit log", async ({ page, request }) => {
  await page.goto("/login");
  await login(page, ADMIN.email, ADMIN.password);
  await expect(page).toHaveURL(/\/dashboard$/);
  await expect(page.getByRole("heading", { name: "대시보드" })).toBeVisible();

  await test.step("the dashboard's numbers move after a member generates two images", async () => {
    await expect(page.getByTestId("stat-images-today").locator('[data-slot="value"]')).toBeVisible();
    const before = { today: await statValue(page, "stat-images-today"), week: await statValue(page, "stat-images-week") };
    Object.assign(member, await signUp(request, member.email, member.name));
    expect(await generate(request, member.token, 2)).toBe(202);
    await page.getByRole("button", { name: "새로고침" }).click();
    await expect.poll(() => statValue(page, "stat-images-today")).toBe(before.today + 2);
    expect(await statValue(page, "stat-images-week")).toBe(before.week + 2);
    expect(await statValue(page, "stat-active-users")).toBeGreaterThanOrEqual(1);
    await page.getByRole("group", { name: "기간" }).getByRole("button", { name: "7일" }).click();
    await expect(page).toHaveURL(/from=\d{4}-\d{2}-\d{2}&to=\d{4}-\d{2}-\d{2}/);
    await expect(page.getByRole("button", { name: "7일" })).toHaveAttribute("aria-pressed", "true");
    await snap(page, "admin-dashboard", { fullPage: true });
  });

  await test.step("find the member, open the drawer with their usage", async () => {
    await page.getByRole("navigation", { name: "관리 메뉴" }).getByRole("link", { name: "사용자" }).click();
    await page.getByLabel("이메일·이름 검색").fill(member.email);
    await expect(page.getByTestId("user-row")).toHaveCount(1);
    await expect(page.getByText("1–1 / 총 1명")).toBeVisible();
    await page.getByRole("button", { name: member.email }).click();
    const drawer = page.getByTestId("user-drawer");
    await expect(drawer.getByRole("heading", { name: member.name })).toBeVisible();
    await expect(drawer.getByTestId("drawer-images-month")).toHaveText("2");
    await expect(drawer.getByTestId("quota-usage")).toContainText(/\) 2 \/ [\d,]+장/); // the default daily limit
  });

  await test.step("raise a quota: past the old limit the member's next image is refused, after raising it accepted", async () => {
    const admin = (await (await request.post("/api/v1/auth/login", { data: ADMIN })).json()) as { access_token: string };
    const quota = `/api/v1/admin/quotas/${member.id}`;
    const put = await request.put(quota, { headers: { authorization: `Bearer ${admin.access_token}` }, data: { images_per_day: 2, max_active_tasks: null } });
    expect(put.status()).toBe(200);
    expect(await generate(request, member.token, 1)).toBe(429);

    const drawer = page.getByTestId("user-drawer");
    await page.reload(); // the drawer is in the address (?user=) and shows the limit just set
    const images = drawer.getByTestId("quota-images_per_day");
    await expect(images.getByRole("radio", { name: "직접 지정" })).toBeChecked();
    await images.getByRole("spinbutton").fill("10");
    await drawer.getByRole("button", { name: "한도 저장" }).click();
    const confirm = page.getByRole("alertdialog", { name: "사용 한도를 바꿀까요?" });
    await expect(confirm).toContainText("하루 10장");
    await confirm.getByRole("button", { name: "한도 저장" }).click();
    await expect(page.getByText("한도를 저장했습니다")).toBeVisible();
    await expect(drawer.getByTestId("quota-usage")).toContainText("2 / 10장");
    expect(await generate(request, member.token, 1)).toBe(202);
    await snap(page, "admin-users");
  });

  await test.step("issue a one-time reset link; the member sets a new password with it in the web app", async () => {
    const drawer = page.getByTestId("user-drawer");
    await drawer.getByRole("button", { name: "비밀번호 재설정 링크 만들기" }).click();
    await page.getByRole("alertdialog").getByRole("button", { name: "비밀번호 재설정 링크 만들기" }).click();
    const shown = page.getByTestId("reset-link-dialog");
    const link = await shown.getByLabel("재설정 링크").inputValue();
    expect(link).toMatch(/\/reset-password\?token=.+/);
    await shown.getByRole("button", { name: "완료" }).click();

    const web = await page.context().browser()!.newPage({ baseURL: process.env.E2E_BASE_URL });
    await web.goto(`/reset-password?${new URL(link).searchParams.toString()}`);
    await web.getByLabel("새 비밀번호").fill("brand-new-horse-77");
    await web.getByLabel("비밀번호 확인").fill("brand-new-horse-77");
    await web.getByRole("button", { name: "비밀번호 바꾸기" }).click();
    await expect(web.getByRole("heading", { name: "비밀번호를 바꿨습니다" })).toBeVisible();
    await web.close();
    const again = await request.post("/api/v1/auth/login", { data: { email: member.email, password: "brand-new-horse-77" } });
    expect(again.status()).toBe(200);
    member.token = ((await again.json()) as { access_token: string }).access_token;
  });

  await test.step("deactivate the member: their next API call fails at once", async () => {
    const drawer = page.getByTestId("user-drawer");
    await drawer.getByRole("button", { name: "비활성화" }).click();
    const confirm = page.getByRole("alertdialog", { name: "계정을 비활성화할까요?" });
    await confirm.getByRole("button", { name: "비활성화" }).click();
    await expect(drawer.getByText("비활성", { exact: true })).toBeVisible();
    await expect(drawer.getByRole("button", { name: "다시 활성화" })).toBeVisible();
    const after = await request.get("/api/v1/users/me", { headers: { authorization: `Bearer ${member.token}` } });
    expect(after.status()).toBe(401);
    await page.keyboard.press("Escape");
    await expect(page.getByTestId("user-row").filter({ hasText: member.email })).toContainText("비활성");
    await expect(page.getByText("변경했습니다")).toBeHidden({ timeout: 10_000 });
  });

  await test.step("every action is in the audit log, and the filters find them", async () => {
    await page.getByRole("navigation", { name: "관리 메뉴" }).getByRole("link", { name: "감사 로그" }).click();
    const rows = page.getByTestId("audit-row").filter({ hasText: member.email });
    await expect(rows.and(page.locator('[data-action="user.update"]'))).toHaveCount(1);
    await expect(rows.and(page.locator('[data-action="user.password_reset"]'))).toHaveCount(1);
    await expect(rows.and(page.locator('[data-action="quota.update"]'))).toHaveCount(2);
    await expect(rows.first()).toContainText(ADMIN.email);
    await page.getByLabel("작업", { exact: true }).selectOption("quota.update");
    await expect(page).toHaveURL(/action=quota.update/);
    await expect(page.getByTestId("audit-row").and(page.locator(':not([data-action="quota.update"])'))).toHaveCount(0);
    await expect(rows).toHaveCount(2);
    await expect(rows.first()).toContainText("사용 한도 변경");
    await expect(rows.first()).toContainText("images_per_day 2 → 10");
    await page.getByRole("button", { name: "필터 초기화" }).click();
    await expect(page).not.toHaveURL(/action=/);
    await snap(page, "admin-audit");
  });

  await test.step("monitoring shows the services, the queue and the worker", async () => {
    await page.getByRole("navigation", { name: "관리 메뉴" }).getByRole("link", { name: "모니터링" }).click();
    await expect(page.getByTestId("service-status").first()).toBeVisible();
    await expect(page.getByTestId("service-status").and(page.locator('[data-status="ok"]'))).toHaveCount(
      await page.getByTestId("service-status").count(),
    );
    await expect(page.getByTestId("worker-card").and(page.locator('[data-online="true"]'))).toHaveCount(1);
    await expect(page.getByTestId("queue-pending").locator('[data-slot="value"]')).toHaveText(/^\d+$/);
    await snap(page, "admin-monitoring", { fullPage: true });
  });
});
