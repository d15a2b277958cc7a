/**
 * The overlay editor's form, the spec it sends (PUT …/overlay and the preview), and what the server's layout
 * (X-Overlay-Layout) says went wrong. The picture itself is always the server's render: the browser draws nothing.
 */
import type { BrandKitOut, ColourRole, ImageOverlaySpec } from "@zimage/web/api";

export const PLACEMENTS = ["bottom_band", "top", "left_panel", "centre"] as const;
export type Placement = (typeof PLACEMENTS)[number];
export const ALIGNS = ["auto", "start", "centre", "end"] as const;
export type AlignChoice = (typeof ALIGNS)[number];
export const SCRIMS = ["auto", "always", "never"] as const;
export type ScrimChoice = (typeof SCRIMS)[number];

/** Limits of the API's OverlaySpec (headline 1–120, sub-copy 300, button 40 characters). */
export const HEADLINE_MAX = 120;
export const SUB_COPY_MAX = 300;
export const CTA_MAX = 40;

const WHITE = "#FFFFFF";
const NEAR_BLACK = "#111111";

export interface OverlayDraft {
  headline: string;
  subCopy: string;
  cta: string;
  placement: Placement;
  align: AlignChoice;
  scrim: ScrimChoice;
  brandKitId: string | null;
  fontId: string | null;
  logoId: string | null;
  textColour: string;
  buttonColour: string;
  buttonTextColour: string;
  scrimColour: string;
}

export const EMPTY_DRAFT: OverlayDraft = {
  headline: "",
  subCopy: "",
  cta: "",
  placement: "bottom_band",
  align: "auto",
  scrim: "auto",
  brandKitId: null,
  fontId: null,
  logoId: null,
  textColour: WHITE,
  buttonColour: WHITE,
  buttonTextColour: NEAR_BLACK,
  scrimColour: "#000000",
};

// ---- colour --------------------------------------------------------------------------------------

function channel(value: number): number {
  const c = value / 255;
  return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
}

/** WCAG relative luminance of `#RRGGBB`. */
export function luminance(hex: string): number {
  const n = Number.parseInt(hex.slice(1), 16);
  return 0.2126 * channel((n >> 16) & 255) + 0.7152 * channel((n >> 8) & 255) + 0.0722 * channel(n & 255);
}

/** WCAG contrast ratio of two `#RRGGBB` colours (1–21). */
export function contrast(a: string, b: string): number {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x) as [number, number];
  return (hi + 0.05) / (lo + 0.05);
}

/** Of `candidates`, the one that reads best on `background` (first wins a tie). */
export function bestOn(background: string, candidates: readonly string[]): string {
  return candidates.reduce((best, c) => (contrast(c, background) > contrast(best, background) ? c : best), candidates[0] ?? WHITE);
}

type Kit = Pick<BrandKitOut, "id" | "colours" | "default_font_id" | "logos">;

function role(kit: Kit, name: string): string | undefined {
  return kit.colours.find((c) => c.role === name)?.hex.toUpperCase();
}

/** Swatches the editor offers: the kit's colours (by role), then white and near-black. */
export function swatches(kit: Kit | null): { hex: string; role: ColourRole | null }[] {
  const seen = new Set<string>();
  const out: { hex: string; role: ColourRole | null }[] = [];
  for (const c of kit?.colours ?? []) {
    const hex = c.hex.toUpperCase();
    if (!seen.has(hex)) out.push({ hex, role: c.role });
    seen.add(hex);
  }
  for (const hex of [WHITE, NEAR_BLACK]) if (!seen.has(hex)) out.push({ hex, role: null });
  return out;
}

/**
 * Choosing a kit: its text colour for the copy, its primary colour for the button with whichever of its
 * background/text colours (or white/black) reads better as the label, its background colour for the scrim, its
 * default font and first logo. (The server's OverlayColours.from_brand picks the same way.)
 */
export function applyKit(draft: OverlayDraft, kit: Kit | null): OverlayDraft {
  if (!kit) return { ...draft, brandKitId: null, fontId: null, logoId: null };
  const text = role(kit, "text") ?? WHITE;
  const button = role(kit, "primary") ?? role(kit, "accent") ?? WHITE;
  const labels = [role(kit, "background"), role(kit, "text")].filter((c): c is string => Boolean(c));
  return {
    ...draft,
    brandKitId: kit.id,
    fontId: kit.default_font_id ?? null,
    logoId: kit.logos[0]?.id ?? null,
    textColour: text,
    buttonColour: button,
    buttonTextColour: bestOn(button, labels.length ? labels : [WHITE, NEAR_BLACK]),
    scrimColour: role(kit, "background") ?? "#000000",
  };
}

// ---- spec ----------------------------------------------------------------------------------------

/** The spec for the API, or null while there is nothing to render (no headline yet, or copy over the limits). */
export function specFromDraft(draft: OverlayDraft): ImageOverlaySpec | null {
  const headline = draft.headline.trim();
  if (!headline || headline.length > HEADLINE_MAX) return null;
  if (draft.subCopy.trim().length > SUB_COPY_MAX || draft.cta.trim().length > CTA_MAX) return null;
  return {
    headline,
    sub_copy: draft.subCopy.trim(),
    cta: draft.cta.trim(),
    placement: draft.placement,
    align: draft.align === "auto" ? null : draft.align,
    scrim: draft.scrim,
    colours: {
      text: draft.textColour,
      button: draft.buttonColour,
      button_text: draft.buttonTextColour,
      scrim: draft.scrimColour,
    },
    // font and logo belong to a kit: without one, the bundled font and no logo
    brand_kit_id: draft.brandKitId,
    font_id: draft.brandKitId ? draft.fontId : null,
    logo_id: draft.brandKitId ? draft.logoId : null,
  };
}

export function draftFromSpec(spec: ImageOverlaySpec): OverlayDraft {
  return {
    headline: spec.headline,
    subCopy: spec.sub_copy ?? "",
    cta: spec.cta ?? "",
    placement: (spec.placement ?? "bottom_band") as Placement,
    align: (spec.align ?? "auto") as AlignChoice,
    scrim: (spec.scrim ?? "auto") as ScrimChoice,
    brandKitId: spec.brand_kit_id ?? null,
    fontId: spec.font_id ?? null,
    logoId: spec.logo_id ?? null,
    textColour: spec.colours?.text ?? EMPTY_DRAFT.textColour,
    buttonColour: spec.colours?.button ?? EMPTY_DRAFT.buttonColour,
    buttonTextColour: spec.colours?.button_text ?? EMPTY_DRAFT.buttonTextColour,
    scrimColour: spec.colours?.scrim ?? EMPTY_DRAFT.scrimColour,
  };
}

/** specFromDraft builds keys in one order: same content, same string (what the debounce compares). */
export function specKey(spec: ImageOverlaySpec | null): string {
  return spec ? JSON.stringify(spec) : "";
}

// ---- the server's layout -------------------------------------------------------------------------

interface TextLayout {
  font_size: number;
  lines: { text: string }[];
  truncated: boolean;
  contrast_ratio?: number | null;
  required_ratio: number;
}

/** The part of the server's OverlayLayout the editor reports on (the rest is for drawing). */
export interface OverlayLayout {
  width: number;
  height: number;
  headline: TextLayout;
  sub_copy: TextLayout | null;
  cta: unknown | null;
  logo: unknown | null;
  scrim: { shape: string } | null;
  dropped: ("sub_copy" | "logo" | "cta")[];
  min_contrast_ratio: number | null;
  passes_aa: boolean | null;
}

export function readLayout(header: string | null): OverlayLayout | null {
  if (!header) return null;
  try {
    const value = JSON.parse(header) as OverlayLayout;
    return value && typeof value === "object" && value.headline ? value : null;
  } catch {
    return null;
  }
}

export type OverlayWarning =
  | { kind: "headlineShortened" }
  | { kind: "subCopyShortened" }
  | { kind: "dropped"; element: "sub_copy" | "logo" | "cta" }
  | { kind: "scrimAdded" }
  | { kind: "lowContrast"; ratio: number };

/** What the marketer should know about this render: copy cut, elements left out, a scrim added, weak contrast. */
export function overlayWarnings(layout: OverlayLayout | null, scrim: ScrimChoice): OverlayWarning[] {
  if (!layout) return [];
  const out: OverlayWarning[] = [];
  if (layout.headline.truncated) out.push({ kind: "headlineShortened" });
  if (layout.sub_copy?.truncated) out.push({ kind: "subCopyShortened" });
  for (const element of layout.dropped ?? []) out.push({ kind: "dropped", element });
  // "always" is the marketer's own choice: only a scrim the contrast check added is news
  if (layout.scrim && scrim === "auto") out.push({ kind: "scrimAdded" });
  if (layout.passes_aa === false && layout.min_contrast_ratio != null) {
    out.push({ kind: "lowContrast", ratio: Math.round(layout.min_contrast_ratio * 10) / 10 });
  }
  return out;
}
