import { readFileSync } from "node:fs";

import { expect, login, PASSWORD, pngSize, register, snap, test, uniqueEmail } from "./fixtures";

const token = `e2e${Date.now().toString(36)}`;
const owner = { email: uniqueEmail("owner"), folder: `봄 캠페인 ${token}`, tag: `커피${token}` };
let favoriteImageId = "";

test.describe.configure({ mode: "serial" });

test("sign-in pages: validation in place, signed-out visitors are sent to /login with next", async ({ page }) => {
  await page.goto("/gallery?favorite=1");
  await expect(page).toHaveURL(/\/login\?next=%2Fgallery%3Ffavorite%3D1$/);
  await page.getByRole("button", { name: "로그인" }).click();
  await expect(page.getByText("올바른 이메일 주소를 입력하세요.")).toBeVisible();
  await expect(page.getByText("비밀번호를 입력하세요.")).toBeVisible();
  await snap(page, "login");

  await page.goto("/register");
  await page.getByLabel("이메일").fill("someone@example.com");
  await page.getByLabel("비밀번호", { exact: true }).fill("short");
  await page.getByRole("button", { name: "가입하기" }).click();
  await expect(page.getByText("표시 이름을 입력하세요.")).toBeVisible();
  await expect(page.getByText("비밀번호는 10자 이상이어야 합니다.")).toBeVisible();
  await snap(page, "register");

  await page.getByRole("button", { name: "English" }).click();
  await expect(page.getByRole("heading", { name: "Create account" })).toBeVisible();
  await page.getByRole("button", { name: "한국어" }).click();
  await expect(page.getByRole("heading", { name: "회원가입" })).toBeVisible();
});

test("register, generate two Instagram images with live progress, organise one, find it, export it, sign out and in", async ({ page }) => {
  await register(page, owner.email, "마케터");

  await test.step("generate 2 images at the Instagram preset and watch the progress bar advance", async () => {
    await page.getByLabel("프롬프트", { exact: true }).fill(`서울 야경 커피 광고 ${token}`);
    await expect(page.getByTestId("prompt-count")).toHaveText(`${`서울 야경 커피 광고 ${token}`.length} / 2,000`);
    await page.getByRole("radio", { name: /인스타그램 정사각형, 1080×1080, 1:1/ }).check();
    await expect(page.getByTestId("size-summary")).toHaveText("1088×1088로 생성한 뒤 정확히 1080×1080 픽셀로 잘라 맞춥니다.");
    await page.getByRole("radio", { name: "2장" }).check();
    await expect(page.getByLabel("네거티브 프롬프트")).toBeDisabled();
    await page.getByLabel("프롬프트", { exact: true }).press("Control+Enter");

    const card = page.getByTestId("task-card").first();
    await expect(card).toBeVisible();
    const steps: number[] = [];
    const deadline = Date.now() + 150_000;
    while (Date.now() < deadline) {
      const phase = await card.getAttribute("data-phase");
      const step = Number(await card.getByTestId("progress-bar").getAttribute("data-step"));
      if (steps.at(-1) !== step) steps.push(step);
      if (phase === "completed" || phase === "failed" || phase === "canceled") break;
      await page.waitForTimeout(50);
    }
    await expect(card).toHaveAttribute("data-phase", "completed");
    test.info().annotations.push({ type: "steps seen", description: steps.join(",") });
    const inBetween = steps.filter((s) => s > 0 && s < 8);
    expect(inBetween.length, `steps seen: ${steps.join(",")}`).toBeGreaterThanOrEqual(2);
    expect([...steps].sort((a, b) => a - b)).toEqual(steps); // only forward
    await expect(card.getByTestId("progress-text")).toHaveText("완료");
    await expect(card.getByTestId("result-image")).toHaveCount(2);
    await expect(page.getByTestId("demo-notice")).toBeVisible();
  });

  await test.step("favourite one result, put it in a new folder with a tag", async () => {
    const first = page.getByTestId("result-image").first();
    favoriteImageId = (await first.getAttribute("data-image-id")) ?? "";
    await first.getByRole("button", { name: "즐겨찾기" }).click();
    await expect(first.getByRole("button", { name: "즐겨찾기" })).toHaveAttribute("aria-pressed", "true");
    await expect(page.getByText("즐겨찾기에 추가했습니다")).toBeVisible();

    await first.getByRole("button", { name: "폴더·태그" }).click();
    const dialog = page.getByRole("dialog", { name: "폴더와 태그" });
    await dialog.getByLabel("폴더").selectOption({ label: "+ 새 폴더 만들기" });
    await dialog.getByLabel("새 폴더 이름").fill(owner.folder);
    await dialog.getByLabel("태그 추가").fill(owner.tag);
    await dialog.getByRole("button", { name: "적용" }).click();
    await expect(page.getByText("1장을 정리했습니다")).toBeVisible();
    await expect(dialog).toBeHidden();
    await expect(page.getByText("1장을 정리했습니다")).toBeHidden({ timeout: 10_000 });
    await snap(page, "generate");
  });

  await test.step("find it in the gallery by folder, by tag and by prompt search", async () => {
    await page.getByRole("navigation", { name: "주 메뉴" }).getByRole("link", { name: "갤러리" }).click();
    await expect(page.getByTestId("gallery-tile")).toHaveCount(2);
    const sidebar = page.getByRole("navigation", { name: "폴더와 태그" });

    await sidebar.getByRole("button", { name: new RegExp(owner.folder) }).click();
    await expect(page).toHaveURL(/folder=/);
    await expect(page.getByTestId("gallery-tile")).toHaveCount(1);
    await expect(page.getByTestId("gallery-tile")).toHaveAttribute("data-image-id", favoriteImageId);

    await sidebar.getByRole("button", { name: new RegExp(owner.tag) }).click();
    await expect(page).toHaveURL(/tag=/);
    await expect(page.getByTestId("gallery-tile")).toHaveCount(1);
    await expect(page.getByTestId("gallery-tile")).toHaveAttribute("data-image-id", favoriteImageId);

    await sidebar.getByRole("button", { name: /즐겨찾기/ }).click();
    await expect(page.getByTestId("gallery-tile")).toHaveCount(1);

    await sidebar.getByRole("button", { name: /전체/ }).click();
    await page.getByLabel("프롬프트·메모 검색").fill(token);
    await expect(page).toHaveURL(new RegExp(`q=${token}`));
    await expect(page.getByTestId("gallery-tile")).toHaveCount(2);
    await page.getByLabel("프롬프트·메모 검색").fill("이런단어는없음");
    await expect(page.getByText("조건에 맞는 이미지가 없습니다")).toBeVisible();
    await page.getByLabel("프롬프트·메모 검색").fill(token);
    await expect(page.getByTestId("gallery-tile")).toHaveCount(2);
    await snap(page, "gallery");
  });

  await test.step("select both and download them as one ZIP", async () => {
    for (const tile of await page.getByTestId("gallery-tile").all()) await tile.getByRole("checkbox").check();
    const bar = page.getByRole("toolbar", { name: "선택한 이미지 작업" });
    await expect(bar).toContainText("2장 선택됨");
    const download = page.waitForEvent("download");
    await bar.getByRole("button", { name: "ZIP 다운로드" }).click();
    const zip = readFileSync(await (await download).path());
    const end = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06])); // end of central directory
    expect(end).toBeGreaterThan(0);
    expect(zip.readUInt16LE(end + 10)).toBe(2); // entries
    await bar.getByRole("button", { name: "선택 해제" }).click();
    await expect(bar).toBeHidden();
  });

  await test.step("open the detail, move with the arrow keys, export at 820×312 and check the file's pixels", async () => {
    await page.locator(`[data-testid=gallery-tile][data-image-id="${favoriteImageId}"] button`).first().click();
    const detail = page.getByTestId("image-detail");
    await expect(detail).toBeVisible();
    await expect(detail).toHaveAttribute("data-image-id", favoriteImageId);
    await expect(detail.getByTestId("detail-prompt")).toContainText(token);
    await expect(detail.getByText(`#${owner.tag}`)).toBeVisible();
    await snap(page, "gallery-detail");

    const index = await page.getByTestId("gallery-tile").evaluateAll((tiles, id) => tiles.findIndex((t) => t.getAttribute("data-image-id") === id), favoriteImageId);
    await page.keyboard.press(index === 0 ? "ArrowRight" : "ArrowLeft");
    await expect(detail).not.toHaveAttribute("data-image-id", favoriteImageId);
    await page.keyboard.press(index === 0 ? "ArrowLeft" : "ArrowRight");
    await expect(detail).toHaveAttribute("data-image-id", favoriteImageId);

    await detail.getByRole("button", { name: "다른 크기로 내보내기" }).click();
    const download = page.waitForEvent("download");
    await page.locator("[data-preset=facebook_cover]").click();
    const file = await download;
    expect(file.suggestedFilename()).toMatch(/facebook_cover_820x312\.png$/);
    const bytes = readFileSync(await file.path());
    expect(pngSize(bytes)).toEqual({ width: 820, height: 312 });

    await page.keyboard.press("Escape");
    await expect(detail).toBeHidden();
  });

  await test.step("templates and account pages", async () => {
    await page.goto("/templates");
    await expect(page.getByTestId("template-card").first()).toBeVisible();
    await snap(page, "templates");
    await page.getByRole("link", { name: "제품 히어로 샷 템플릿으로 생성" }).click();
    await expect(page).toHaveURL(/\/generate$/);
    await expect(page.getByLabel("템플릿")).toHaveValue(/.+/);
    await page.getByLabel("제품 *").fill("콜드브루 병");
    await expect(page.getByTestId("template-preview")).toContainText("콜드브루 병");
    await expect(page.getByRole("radio", { name: /정사각형 1:1, 1024×1024/ })).toBeChecked(); // the template's default size
    await page.goto("/account");
    await expect(page.getByTestId("usage-today")).toContainText("2 / 200");
    await snap(page, "account");
  });

  await test.step("sign out, sign back in, and a reload keeps the session (silent refresh)", async () => {
    await page.getByRole("button", { name: "사용자 메뉴" }).click();
    await page.getByRole("menuitem", { name: "로그아웃", exact: true }).click();
    await expect(page).toHaveURL(/\/login$/);
    await page.goto("/gallery");
    await expect(page).toHaveURL(/\/login\?next=%2Fgallery$/);
    await login(page, owner.email);
    await expect(page).toHaveURL(/\/gallery$/);
    await expect(page.getByTestId("gallery-tile")).toHaveCount(2);
    await page.reload();
    await expect(page).toHaveURL(/\/gallery$/);
    await expect(page.getByTestId("gallery-tile")).toHaveCount(2);
  });
});

test("a second user never sees the first user's images", async ({ page, request }) => {
  const email = uniqueEmail("second");
  await register(page, email, "다른 사람");
  await page.goto("/gallery");
  await expect(page.getByText("아직 이미지가 없습니다")).toBeVisible();
  await page.getByLabel("프롬프트·메모 검색").fill(token);
  await expect(page.getByText("조건에 맞는 이미지가 없습니다")).toBeVisible();

  const login = await request.post("/api/v1/auth/login", { data: { email, password: PASSWORD } });
  const { access_token } = (await login.json()) as { access_token: string };
  const headers = { authorization: `Bearer ${access_token}` };
  expect((await request.get(`/api/v1/gallery/images/${favoriteImageId}`, { headers })).status()).toBe(404);
  const list = await request.get(`/api/v1/gallery/images?q=${token}`, { headers });
  expect(((await list.json()) as { items: unknown[] }).items).toEqual([]);
});

test("the progress stream passes through the web app's proxy as it happens", async ({ request, baseURL }) => {
  const email = uniqueEmail("stream");
  await request.post("/api/v1/auth/register", { data: { email, password: PASSWORD, display_name: "Stream" } });
  const { access_token } = (await (await request.post("/api/v1/auth/login", { data: { email, password: PASSWORD } })).json()) as { access_token: string };
  const headers = { authorization: `Bearer ${access_token}`, "content-type": "application/json" };
  const body = { prompt: "stream check", preset: "instagram_square", num_images: 2 };
  const task = (await (await request.post("/api/v1/generate", { headers, data: body })).json()) as { id: string };

  const response = await fetch(`${baseURL}/api/v1/tasks/${task.id}/events`, { headers: { ...headers, accept: "text/event-stream", "accept-encoding": "gzip, br" } });
  expect(response.headers.get("content-type")).toContain("text/event-stream");
  expect(response.headers.get("content-encoding")).toBeNull();
  const reader = (response.body as ReadableStream<Uint8Array>).pipeThrough(new TextDecoderStream()).getReader();
  const arrivals: { at: number; event: string }[] = [];
  let text = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    text += value;
    for (const match of value.matchAll(/event: (\w+)/g)) arrivals.push({ at: Date.now(), event: match[1] as string });
    if (/event: (completed|failed|canceled)/.test(text)) break;
  }
  await reader.cancel();
  const progress = arrivals.filter((a) => a.event === "progress");
  expect(arrivals.at(-1)?.event).toBe("completed");
  expect(progress.length).toBeGreaterThanOrEqual(5);
  // Buffered, every event would arrive in one burst at the end; streamed, they arrive step by step.
  const moments = new Set(arrivals.map((a) => Math.floor(a.at / 25)));
  expect(moments.size, JSON.stringify(arrivals)).toBeGreaterThanOrEqual(4);
  expect((arrivals.at(-1)?.at ?? 0) - (arrivals[0]?.at ?? 0)).toBeGreaterThan(100);
});

test("repeated wrong passwords answer with a clear throttling message and a countdown", async ({ page, request }) => {
  const email = uniqueEmail("throttle");
  await request.post("/api/v1/auth/register", { data: { email, password: PASSWORD, display_name: "Throttle" } });
  await page.goto("/login");
  for (let i = 0; i < 10; i++) {
    await login(page, email, `wrong-password-${i}`);
    await expect(page.getByText("이메일 또는 비밀번호가 올바르지 않습니다.")).toBeVisible();
  }
  await login(page, email);
  // auth-service allows 10 failed sign-ins per account in 15 minutes and says how long to wait.
  await expect(page.getByText(/^시도가 너무 많습니다\. 약 1[45]분 후에 다시 시도하세요\.$/)).toBeVisible();
  await expect(page.getByRole("button", { name: /^다시 시도까지 1[45]:\d\d$/ })).toBeDisabled();
});

test("own templates: create one with a variable, use it, edit and delete it", async ({ page }) => {
  await register(page, uniqueEmail("templates"), "템플릿 작성자");
  await page.goto("/templates");
  await page.getByRole("button", { name: "새 템플릿" }).click();
  const editor = page.getByRole("dialog", { name: "새 템플릿" });
  await editor.getByLabel("이름 (한국어)").fill(`신메뉴 ${token}`);
  await editor.getByLabel("프롬프트 패턴").fill("A poster of {drink} on a cafe table");
  await editor.getByRole("button", { name: "저장" }).click();
  await expect(editor.getByText("패턴에 쓴 변수가 목록에 없습니다.", { exact: false })).toBeVisible();
  await editor.getByRole("button", { name: "패턴에서 가져오기" }).click();
  await editor.getByLabel("라벨 (한국어)").fill("음료");
  await editor.getByRole("button", { name: "저장" }).click();
  await expect(editor).toBeHidden();

  const card = page.getByTestId("template-card").filter({ hasText: `신메뉴 ${token}` });
  await expect(card).toContainText("내 템플릿");
  await card.getByRole("link", { name: /템플릿으로 생성/ }).click();
  await expect(page).toHaveURL(/\/generate$/);
  await page.getByLabel("음료 *").fill("딸기 라떼");
  await expect(page.getByTestId("template-preview")).toHaveText("A poster of 딸기 라떼 on a cafe table");

  await page.goto("/templates");
  await card.getByRole("button", { name: `신메뉴 ${token} 편집` }).click();
  const edit = page.getByRole("dialog", { name: "템플릿 편집" });
  await edit.getByLabel("이름 (한국어)").fill(`신메뉴 ${token} v2`);
  await edit.getByRole("button", { name: "저장" }).click();
  await expect(page.getByTestId("template-card").filter({ hasText: `신메뉴 ${token} v2` })).toBeVisible();
  await page.getByRole("button", { name: `신메뉴 ${token} v2 삭제` }).click();
  await page.getByRole("dialog", { name: "템플릿을 삭제할까요?" }).getByRole("button", { name: "삭제" }).click();
  await expect(page.getByTestId("template-card").filter({ hasText: `신메뉴 ${token}` })).toHaveCount(0);
});

test("account: rename, change the password, and sign in with the new one", async ({ page }) => {
  const email = uniqueEmail("account");
  await register(page, email, "이전 이름");
  await page.goto("/account");
  await page.getByLabel("표시 이름").fill("새 이름");
  await page.getByRole("button", { name: "저장" }).click();
  await expect(page.getByRole("button", { name: "사용자 메뉴" })).toContainText("새 이름");

  const newPassword = "brand-new-pass-77";
  await page.getByLabel("현재 비밀번호").fill("not-my-password-1");
  await page.getByLabel("새 비밀번호").fill(newPassword);
  await page.getByLabel("비밀번호 확인").fill(newPassword);
  await page.getByRole("button", { name: "비밀번호 변경" }).click();
  await expect(page.getByText("현재 비밀번호가 올바르지 않습니다.")).toBeVisible();
  await page.getByLabel("현재 비밀번호").fill(PASSWORD);
  await page.getByRole("button", { name: "비밀번호 변경" }).click();
  await expect(page.getByText("비밀번호를 바꿨습니다.", { exact: false })).toBeVisible();

  await page.getByRole("button", { name: "모든 기기에서 로그아웃" }).click();
  await expect(page).toHaveURL(/\/login$/);
  await login(page, email);
  await expect(page.getByText("이메일 또는 비밀번호가 올바르지 않습니다.")).toBeVisible();
  await login(page, email, newPassword);
  await expect(page).toHaveURL(/\/generate$/);
});
