/**
 * What a brand kit will do to a prompt, shown before generating. The server applies it (gallery-service's
 * apply_guidance); this mirrors its rule: avoid words go (whole words, any case), then each style word the prompt
 * does not already say is appended.
 */
import type { BrandKitOut } from "@zimage/web/api";

function phrase(word: string): RegExp {
  const body = word
    .split(/\s+/)
    .filter(Boolean)
    .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"))
    .join("\\s+");
  return new RegExp(`(?<![\\p{L}\\p{N}_])${body}(?![\\p{L}\\p{N}_])`, "iu");
}

export interface GuidancePreview {
  added: string[];
  removed: string[];
}

export function previewGuidance(prompt: string, kit: Pick<BrandKitOut, "style_words" | "avoid_words">): GuidancePreview {
  let rest = prompt;
  const removed: string[] = [];
  for (const word of kit.avoid_words) {
    const pattern = phrase(word);
    if (pattern.test(rest)) {
      rest = rest.replace(new RegExp(pattern.source, "giu"), " ");
      removed.push(word);
    }
  }
  const added = [...new Set(kit.style_words)].filter((word) => !phrase(word).test(rest));
  return { added, removed };
}
