import { mkdirSync } from "node:fs";
import path from "node:path";

import AxeBuilder from "@axe-core/playwright";
import { test as base, expect, type Page } from "@playwright/test";

export { expect };

export const PASSWORD = "correct-horse-42";

/** The platform's URLs from global-setup. */
export const test = base.extend({
  baseURL: async ({}, use) => {
    await use(process.env.E2E_BASE_URL);
  },
});

export function uniqueEmail(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}@example.com`;
}

const SHOTS = process.env.UPDATE_SCREENSHOTS
  ? path.resolve(__dirname, "../../docs/screenshots")
  : path.resolve(__dirname, "../../test-results/screenshots");

/** No serious or critical WCAG 2 A/AA problem that axe can find on the page as it is now. */
export async function expectAccessible(page: Page, name: string): Promise<void> {
  const { violations } = await new AxeBuilder({ page }).withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]).analyze();
  const serious = violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(" ")).slice(0, 3).join(", ")})`);
  expect(serious, `accessibility problems on ${name}`).toEqual([]);
}

/**
 * The page at desktop width and at 375 px (a phone), saved as PNG, after an accessibility check; `fullPage`
 * takes the whole desktop page, not only the first screen (dashboards with charts below the fold).
 */
export async function snap(page: Page, name: string, { fullPage = false }: { fullPage?: boolean } = {}): Promise<void> {
  mkdirSync(SHOTS, { recursive: true });
  const desktop = page.viewportSize() ?? { width: 1280, height: 800 };
  await page.waitForLoadState("networkidle").catch(() => undefined);
  await expectAccessible(page, name);
  await page.screenshot({ path: path.join(SHOTS, `${name}-desktop.png`), fullPage });
  await page.setViewportSize({ width: 375, height: 812 });
  await page.waitForTimeout(300);
  await page.screenshot({ path: path.join(SHOTS, `${name}-mobile.png`) });
  await page.setViewportSize(desktop);
}

export async function register(page: Page, email: string, name = "테스터"): Promise<void> {
  await page.goto("/register");
  await page.getByLabel("표시 이름").fill(name);
  await page.getByLabel("이메일").fill(email);
  await page.getByLabel("비밀번호", { exact: true }).fill(PASSWORD);
  await page.getByLabel("비밀번호 확인").fill(PASSWORD);
  await page.getByRole("button", { name: "가입하기" }).click();
  await expect(page).toHaveURL(/\/generate$/);
}

export async function login(page: Page, email: string, password = PASSWORD): Promise<void> {
  await page.getByLabel("이메일").fill(email);
  await page.getByLabel("비밀번호").fill(password);
  await page.getByRole("button", { name: "로그인" }).click();
}

/** Width and height from a PNG's IHDR chunk, after checking the signature. */
export function pngSize(bytes: Buffer): { width: number; height: number } {
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  if (!bytes.subarray(0, 8).equals(signature) || bytes.toString("ascii", 12, 16) !== "IHDR") throw new Error("not a PNG");
  return { width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20) };
}
