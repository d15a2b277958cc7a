import { describe, expect, it } from "vitest";

import type { BrandKitOut } from "@zimage/web/api";

import { previewGuidance } from "@/lib/brand-guidance";
import {
  EMPTY_DRAFT,
  applyKit,
  contrast,
  draftFromSpec,
  overlayWarnings,
  readLayout,
  specFromDraft,
  specKey,
  swatches,
} from "@/lib/overlay";
import { allowedActions, isReviewer, needsComment } from "@/lib/review";

const kit = (over: Partial<BrandKitOut> = {}): BrandKitOut => ({
  id: "kit-1",
  name: "카페 봄",
  colours: [
    { role: "primary", hex: "#E63946" },
    { role: "background", hex: "#1D3557" },
    { role: "text", hex: "#F1FAEE" },
  ],
  style_words: ["따뜻한 조명", "film grain"],
  avoid_words: ["네온", "cartoon"],
  default_font_id: "font-1",
  fonts: [],
  logos: [{ id: "logo-1", width: 200, height: 80, content_type: "image/png", url: "https://x/logo.png", created_at: "" }],
  created_by: "admin",
  created_at: "",
  updated_at: "",
  ...over,
});

describe("the overlay preview request", () => {
  it("is nothing until there is a headline, and nothing past the API's limits", () => {
    expect(specFromDraft(EMPTY_DRAFT)).toBeNull();
    expect(specFromDraft({ ...EMPTY_DRAFT, headline: "   " })).toBeNull();
    expect(specFromDraft({ ...EMPTY_DRAFT, headline: "가".repeat(121) })).toBeNull();
    expect(specFromDraft({ ...EMPTY_DRAFT, headline: "봄", cta: "x".repeat(41) })).toBeNull();
  });

  it("trims copy, sends auto alignment as the placement's own, and no font or logo without a kit", () => {
    const spec = specFromDraft({ ...EMPTY_DRAFT, headline: "  봄 신메뉴 출시 ", subCopy: " 오늘만 ", fontId: "f", logoId: "l" });
    expect(spec).toMatchObject({ headline: "봄 신메뉴 출시", sub_copy: "오늘만", align: null, brand_kit_id: null, font_id: null, logo_id: null });
  });

  it("names the kit with its font and logo once a kit is applied, in the kit's colours", () => {
    const draft = applyKit({ ...EMPTY_DRAFT, headline: "봄" }, kit());
    const spec = specFromDraft(draft);
    expect(spec).toMatchObject({ brand_kit_id: "kit-1", font_id: "font-1", logo_id: "logo-1" });
    expect(spec?.colours).toEqual({ text: "#F1FAEE", button: "#E63946", button_text: "#F1FAEE", scrim: "#1D3557" });
  });

  it("round-trips through a stored spec, and the same content gives the same key", () => {
    const draft = applyKit({ ...EMPTY_DRAFT, headline: "봄", placement: "left_panel", align: "end" }, kit());
    const spec = specFromDraft(draft);
    expect(spec).not.toBeNull();
    expect(draftFromSpec(spec!)).toEqual(draft);
    expect(specKey(specFromDraft({ ...draft }))).toBe(specKey(spec));
    expect(specKey(specFromDraft({ ...draft, headline: "여름" }))).not.toBe(specKey(spec));
  });

  it("offers the kit's colours once each, then white and near-black", () => {
    const twice = kit({ colours: [{ role: "primary", hex: "#ffffff" }, { role: "text", hex: "#FFFFFF" }] });
    expect(swatches(twice).map((s) => s.hex)).toEqual(["#FFFFFF", "#111111"]);
    expect(swatches(null).map((s) => s.role)).toEqual([null, null]);
  });

  it("measures contrast as WCAG does", () => {
    expect(contrast("#FFFFFF", "#000000")).toBeCloseTo(21, 5);
    expect(contrast("#777777", "#FFFFFF")).toBeCloseTo(4.48, 2);
  });
});

describe("the server's layout", () => {
  const layout = {
    width: 1080,
    height: 1080,
    headline: { font_size: 64, lines: [{ text: "봄" }], truncated: true, required_ratio: 3, contrast_ratio: 2.1 },
    sub_copy: { font_size: 30, lines: [], truncated: false, required_ratio: 4.5 },
    cta: null,
    logo: null,
    scrim: { shape: "bottom_fade" },
    dropped: ["logo"],
    min_contrast_ratio: 2.14,
    passes_aa: false,
  };

  it("is read from the header, and a broken header reads as none", () => {
    expect(readLayout(JSON.stringify(layout))?.headline.font_size).toBe(64);
    expect(readLayout("{not json")).toBeNull();
    expect(readLayout(null)).toBeNull();
  });

  it("turns into warnings: copy shortened, elements dropped, a scrim the check added, weak contrast", () => {
    const read = readLayout(JSON.stringify(layout));
    expect(overlayWarnings(read, "auto")).toEqual([
      { kind: "headlineShortened" },
      { kind: "dropped", element: "logo" },
      { kind: "scrimAdded" },
      { kind: "lowContrast", ratio: 2.1 },
    ]);
    // a scrim the marketer asked for is not news
    expect(overlayWarnings(read, "always").some((w) => w.kind === "scrimAdded")).toBe(false);
  });
});

describe("review moves", () => {
  it("let the owner submit a draft or changed image, and take any submitted one back", () => {
    expect(allowedActions("draft", { isOwner: true, role: "user" })).toEqual(["submit"]);
    expect(allowedActions("changes_requested", { isOwner: true, role: "user" })).toEqual(["submit", "reopen"]);
    expect(allowedActions("in_review", { isOwner: true, role: "user" })).toEqual(["reopen"]);
    expect(allowedActions("approved", { isOwner: true, role: "user" })).toEqual(["reopen"]);
  });

  it("let reviewers and admins decide only what is in review", () => {
    expect(allowedActions("in_review", { isOwner: false, role: "reviewer" })).toEqual(["approve", "request_changes"]);
    expect(allowedActions("in_review", { isOwner: false, role: "admin" })).toEqual(["approve", "request_changes"]);
    expect(allowedActions("draft", { isOwner: false, role: "admin" })).toEqual([]);
    expect(allowedActions("in_review", { isOwner: false, role: "user" })).toEqual([]);
    expect(allowedActions("in_review", { isOwner: true, role: "admin" })).toEqual(["reopen", "approve", "request_changes"]);
  });

  it("know who reviews and which move needs a comment", () => {
    expect([isReviewer("user"), isReviewer("reviewer"), isReviewer("admin"), isReviewer(undefined)]).toEqual([false, true, true, false]);
    expect(needsComment("request_changes")).toBe(true);
    expect(needsComment("approve")).toBe(false);
  });
});

describe("brand kit guidance before generating", () => {
  it("removes avoid words said as whole words and appends the style words not already said", () => {
    expect(previewGuidance("네온 간판 아래 커피, Cartoon style", kit())).toEqual({
      removed: ["네온", "cartoon"],
      added: ["따뜻한 조명", "film grain"],
    });
  });

  it("leaves words inside other words alone and does not add what the prompt says", () => {
    expect(previewGuidance("네온사인 카페, 따뜻한   조명, Film Grain", kit())).toEqual({ removed: [], added: [] });
  });
});
