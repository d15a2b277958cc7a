/** The brand kit editor's values, their problems, and the body they send (POST/PATCH /brand-kits). */
import type { BrandKitCreate, BrandKitOut, ColourRole } from "@zimage/web/api";

export const COLOUR_ROLES: readonly ColourRole[] = ["primary", "secondary", "background", "text", "accent"];
export const MAX_WORDS = 30;
export const MAX_WORD = 60;
export const FONT_TYPES = ".ttf,.otf,.woff,.woff2,font/ttf,font/otf,font/woff,font/woff2";
export const LOGO_TYPES = ".png,.svg,image/png,image/svg+xml";
export const MAX_FONT_BYTES = 10 * 1024 * 1024;
export const MAX_LOGO_BYTES = 2 * 1024 * 1024;

export interface KitValues {
  name: string;
  /** Every role, "" when the kit has no colour for it. */
  colours: Record<ColourRole, string>;
  styleWords: string;
  avoidWords: string;
}

export type KitProblem =
  | { field: "name"; kind: "required" }
  | { field: "colour"; role: ColourRole; kind: "hex" }
  | { field: "styleWords" | "avoidWords"; kind: "tooMany" | "tooLong" | "duplicate"; word?: string }
  | { field: "avoidWords"; kind: "overlap"; word: string };

const HEX = /^#[0-9A-Fa-f]{6}$/;

export function valuesFrom(kit: BrandKitOut | null): KitValues {
  const colours = Object.fromEntries(COLOUR_ROLES.map((r) => [r, ""])) as Record<ColourRole, string>;
  for (const c of kit?.colours ?? []) colours[c.role] = c.hex.toUpperCase();
  return {
    name: kit?.name ?? "",
    colours,
    styleWords: (kit?.style_words ?? []).join(", "),
    avoidWords: (kit?.avoid_words ?? []).join(", "),
  };
}

/** Words as the admin types them: one per comma or line, spaces tidied, empty ones dropped. */
export function parseWords(text: string): string[] {
  return text
    .split(/[,\n]/)
    .map((w) => w.split(/\s+/).filter(Boolean).join(" "))
    .filter(Boolean);
}

/** "#abc123" or "abc123" → "#ABC123"; anything else as typed (the problem check says what is wrong). */
export function normaliseHex(text: string): string {
  const bare = text.trim().replace(/^#/, "");
  return /^[0-9A-Fa-f]{6}$/.test(bare) ? `#${bare.toUpperCase()}` : text.trim();
}

function wordProblems(field: "styleWords" | "avoidWords", words: string[]): KitProblem[] {
  const out: KitProblem[] = [];
  if (words.length > MAX_WORDS) out.push({ field, kind: "tooMany" });
  const long = words.find((w) => w.length > MAX_WORD);
  if (long) out.push({ field, kind: "tooLong", word: long });
  const seen = new Set<string>();
  for (const w of words) {
    const folded = w.toLocaleLowerCase();
    if (seen.has(folded)) {
      out.push({ field, kind: "duplicate", word: w });
      break;
    }
    seen.add(folded);
  }
  return out;
}

export function kitProblems(v: KitValues): KitProblem[] {
  const out: KitProblem[] = [];
  if (!v.name.trim()) out.push({ field: "name", kind: "required" });
  for (const role of COLOUR_ROLES) {
    const hex = v.colours[role];
    if (hex && !HEX.test(hex)) out.push({ field: "colour", role, kind: "hex" });
  }
  const style = parseWords(v.styleWords);
  const avoid = parseWords(v.avoidWords);
  out.push(...wordProblems("styleWords", style), ...wordProblems("avoidWords", avoid));
  const styleSet = new Set(style.map((w) => w.toLocaleLowerCase()));
  const both = avoid.find((w) => styleSet.has(w.toLocaleLowerCase()));
  if (both) out.push({ field: "avoidWords", kind: "overlap", word: both });
  return out;
}

export function kitBody(v: KitValues): BrandKitCreate {
  return {
    name: v.name.trim(),
    colours: COLOUR_ROLES.filter((r) => v.colours[r]).map((role) => ({ role, hex: v.colours[role].toUpperCase() })),
    style_words: parseWords(v.styleWords),
    avoid_words: parseWords(v.avoidWords),
  };
}

/** A file refused before it is sent: wrong kind (by name) or over the API's size limit. */
export function fileProblem(file: File, kind: "font" | "logo"): "type" | "size" | null {
  const name = file.name.toLowerCase();
  const types = kind === "font" ? [".ttf", ".otf", ".woff", ".woff2"] : [".png", ".svg"];
  if (!types.some((ext) => name.endsWith(ext))) return "type";
  return file.size > (kind === "font" ? MAX_FONT_BYTES : MAX_LOGO_BYTES) ? "size" : null;
}
