import { readFileSync } from "node:fs";
import { inflateRawSync } from "node:zlib";

import type { Page } from "@playwright/test";

import { expect, login, PASSWORD, pngSize, register, snap, test, uniqueEmail } from "./fixtures";

/**
 * Issue 10 end to end: an admin's brand kit (API + the admin app), a user who applies it on Generate, writes a
 * Korean headline over the result, submits it, a reviewer (the admin) approves it in the queue, and the user's
 * campaign fan-out ZIP holds every channel at its exact pixels.
 */
const token = `e2e${Date.now().toString(36)}`;
const marketer = { email: uniqueEmail("marketer") };
const KIT = `카페 봄 ${token}`;
const HEADLINE = "봄 신메뉴 출시, 지금 만나 보세요";
const CHANNELS = { instagram_square: [1080, 1080], facebook_cover: [820, 312], instagram_story: [1080, 1920] } as const;

// A 64×24 red PNG (a logo for the kit).
const LOGO = Buffer.from(
  "iVBORw0KGgoAAAANSUhEUgAAAEAAAAAYCAYAAABKtPtEAAAATklEQVR4nO3QMREAIBDAsLeFAfyrwAbIyECH7L3OWfv+bHSA1gAdoDVAB2gN0AFaA3SA1gAdoDVAB2gN0AFaA3SA1gAdoDVAB2gN0AHaA1CTWNOZeVWlAAAAAElFTkSuQmCC",
  "base64",
);

test.describe.configure({ mode: "serial" });

/** Entries of a ZIP (stored or deflated) by name. */
function unzip(zip: Buffer): Map<string, Buffer> {
  const end = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  const count = zip.readUInt16LE(end + 10);
  let at = zip.readUInt32LE(end + 16);
  const files = new Map<string, Buffer>();
  for (let i = 0; i < count; i++) {
    const method = zip.readUInt16LE(at + 10);
    const size = zip.readUInt32LE(at + 20);
    const nameLength = zip.readUInt16LE(at + 28);
    const extra = zip.readUInt16LE(at + 30) + zip.readUInt16LE(at + 32);
    const local = zip.readUInt32LE(at + 42);
    const name = zip.toString("utf8", at + 46, at + 46 + nameLength);
    const start = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28);
    const data = zip.subarray(start, start + size);
    files.set(name, method === 8 ? inflateRawSync(data) : Buffer.from(data));
    at += 46 + nameLength + extra;
  }
  return files;
}

async function signInWeb(page: Page, email: string, password: string): Promise<void> {
  await page.goto("/login");
  await login(page, email, password);
  await expect(page).toHaveURL(/\/generate$/);
}

test("admin: a brand kit made through the API shows in the admin app, and a broken font is refused clearly", async ({ page, request }) => {
  const api = process.env.E2E_API_URL as string;
  const admin = { email: process.env.E2E_ADMIN_EMAIL as string, password: process.env.E2E_ADMIN_PASSWORD as string };
  const signedIn = await request.post(`${api}/auth/login`, { data: admin });
  const headers = { authorization: `Bearer ${(await signedIn.json()).access_token}` };
  const kit = await request.post(`${api}/brand-kits`, {
    headers,
    data: {
      name: KIT,
      colours: [
        { role: "primary", hex: "#E63946" },
        { role: "background", hex: "#1D3557" },
        { role: "text", hex: "#F1FAEE" },
      ],
      style_words: ["따뜻한 조명", "film grain"],
      avoid_words: ["네온"],
    },
  });
  expect(kit.status(), await kit.text()).toBe(201);
  const kitId = (await kit.json()).id as string;
  const logo = await request.post(`${api}/brand-kits/${kitId}/logos`, {
    headers,
    multipart: { file: { name: "logo.png", mimeType: "image/png", buffer: LOGO } },
  });
  expect(logo.status(), await logo.text()).toBe(201);

  await page.goto(`${process.env.E2E_ADMIN_URL}/login?next=%2Fbrand-kits`);
  await login(page, admin.email, admin.password);
  await expect(page.getByRole("heading", { name: "브랜드 키트", exact: true })).toBeVisible();
  await page.getByTestId("brand-kit-list").getByRole("button", { name: new RegExp(KIT) }).click();
  const editor = page.getByTestId("brand-kit-editor");
  await expect(editor.getByLabel("주 색상", { exact: true })).toHaveValue("#E63946");
  await expect(editor.getByTestId("logo-list").getByRole("listitem")).toHaveCount(1);
  await editor.getByTestId("upload-font").setInputFiles({ name: "broken.ttf", mimeType: "font/ttf", buffer: Buffer.from("this is not a font") });
  await expect(editor.getByTestId("font-error")).toContainText("글꼴 파일을 쓸 수 없습니다");
  await expect(editor.getByTestId("font-list").getByRole("listitem")).toHaveCount(1); // only the bundled font
  await snap(page, "admin-brand-kits");
});

test("a marketer applies the kit, generates, writes a Korean headline, submits it and builds a campaign", async ({ page }) => {
  await register(page, marketer.email, "마케터");

  await test.step("Generate shows what the kit adds and removes, and the image records it", async () => {
    await page.getByLabel("프롬프트", { exact: true }).fill(`네온 간판 아래 커피 한 잔 ${token}`);
    await page.getByLabel("브랜드 키트").selectOption({ label: KIT });
    const guidance = page.getByTestId("brand-guidance");
    await expect(guidance).toContainText("따뜻한 조명");
    await expect(guidance).toContainText("film grain");
    await expect(guidance).toContainText("네온");
    await page.getByRole("radio", { name: /인스타그램 정사각형, 1080×1080/ }).check();
    await page.getByRole("button", { name: /^생성/ }).click();
    const card = page.getByTestId("task-card").first();
    await expect(card).toHaveAttribute("data-phase", "completed", { timeout: 150_000 });
  });

  await test.step("the overlay editor previews the server's render with the Korean headline, and saves", async () => {
    await page.getByRole("navigation", { name: "주 메뉴" }).getByRole("link", { name: "갤러리" }).click();
    await expect(page).toHaveURL(/\/gallery$/);
    // the finished image reaches the gallery through image-service's outbox a moment after the task completes
    await expect(async () => {
      await page.reload();
      await expect(page.getByTestId("gallery-tile")).toHaveCount(1, { timeout: 2_000 });
    }).toPass({ timeout: 30_000 });
    await page.getByTestId("gallery-tile").first().getByRole("button").first().click();
    const detail = page.getByTestId("image-detail");
    await expect(detail.getByTestId("brand-guidance-applied")).toContainText(KIT);
    await detail.getByTestId("open-overlay").click();
    await expect(page).toHaveURL(/\/gallery\/overlay\?image=/);
    await page.getByLabel("브랜드 키트").selectOption({ label: KIT });
    await page.getByTestId("overlay-headline").fill(HEADLINE);
    await page.getByLabel("버튼 문구").fill("지금 주문하기");
    await page.getByRole("radio", { name: "하단 띠" }).check();
    const preview = page.getByTestId("overlay-preview-image");
    await expect(preview).toHaveAttribute("alt", `오버레이 미리보기: ${HEADLINE}`);
    await expect(preview).toHaveAttribute("data-layout-width", "1080");
    await expect(page.getByTestId("overlay-preview")).toHaveAttribute("aria-busy", "false");
    await page.getByRole("button", { name: "저장", exact: true }).click();
    await expect(page.getByText("저장했습니다")).toBeVisible();
    await snap(page, "overlay-editor", { fullPage: true });
  });

  await test.step("submit it for review", async () => {
    const panel = page.getByTestId("review-panel");
    await panel.getByRole("button", { name: "검토 요청" }).click();
    await expect(panel.getByTestId("review-badge")).toHaveText("검토 중");
    await expect(panel.getByTestId("comment-thread")).toContainText("검토 요청");
  });

  await test.step("create a campaign on three channels with the kit, and attach the image", async () => {
    await page.getByRole("navigation", { name: "주 메뉴" }).getByRole("link", { name: "캠페인" }).click();
    await expect(page.getByText("캠페인이 없습니다")).toBeVisible();
    await page.getByRole("button", { name: "새 캠페인" }).first().click();
    const form = page.getByTestId("campaign-form");
    await form.getByLabel("이름").fill(`봄 신메뉴 ${token}`);
    for (const id of Object.keys(CHANNELS)) await form.locator(`input[data-preset="${id}"]`).check();
    await form.getByLabel("브랜드 키트").selectOption({ label: KIT });
    await form.getByRole("button", { name: "저장" }).click();
    await expect(page).toHaveURL(/\/campaigns\/[0-9a-f-]+$/);
    await page.getByRole("button", { name: "이미지 붙이기" }).first().click();
    const dialog = page.getByRole("dialog", { name: "갤러리에서 이미지 붙이기" });
    await dialog.getByRole("checkbox").first().check();
    await dialog.getByRole("button", { name: "1장 붙이기" }).click();
    await expect(page.getByTestId("campaign-image")).toHaveCount(1);
    await expect(page.getByTestId("campaign-image").getByTestId("review-badge")).toHaveText("검토 중");
  });
});

test("the reviewer approves in the queue, and the marketer's campaign ZIP has every channel at its exact pixels", async ({ browser, page }) => {
  const reviewer = await browser.newContext({ baseURL: process.env.E2E_BASE_URL, locale: "ko-KR", timezoneId: "Asia/Seoul" });
  const review = await reviewer.newPage();
  await signInWeb(review, process.env.E2E_ADMIN_EMAIL as string, process.env.E2E_ADMIN_PASSWORD as string);
  await review.getByRole("navigation", { name: "주 메뉴" }).getByRole("link", { name: "검토 대기열" }).click();
  const item = review.getByTestId("review-item").filter({ hasText: token });
  await expect(item).toHaveCount(1);
  await expect(item).toContainText(`봄 신메뉴 ${token}`); // the campaign it is in
  await snap(review, "review-queue");
  await item.getByRole("textbox", { name: "댓글" }).fill("좋습니다. 승인합니다.");
  await item.getByRole("button", { name: "승인" }).click();
  // the outcome, not the passing toast (on a loaded machine it can come and go between two polls)
  await expect(review.getByText("기다리는 이미지가 없습니다")).toBeVisible();
  await reviewer.close();

  await signInWeb(page, marketer.email, PASSWORD);
  await page.goto("/campaigns");
  await page.getByRole("link", { name: new RegExp(`봄 신메뉴 ${token}`) }).click();
  const image = page.getByTestId("campaign-image");
  await expect(image.getByTestId("review-badge")).toHaveText("승인됨");
  await snap(page, "campaign");
  const download = page.waitForEvent("download");
  await image.getByTestId("fan-out").click();
  const files = unzip(readFileSync(await (await download).path()));
  expect(files.size, [...files.keys()].join(", ")).toBe(3);
  for (const [channel, [width, height]] of Object.entries(CHANNELS)) {
    const entry = [...files].find(([name]) => name.endsWith(`_${channel}_${width}x${height}.png`));
    expect(entry, `${channel} in ${[...files.keys()].join(", ")}`).toBeDefined();
    expect(pngSize(entry![1])).toEqual({ width, height });
  }
});
