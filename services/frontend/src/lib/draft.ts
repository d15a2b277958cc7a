/** The Generate form's settings, kept while moving between pages ("reuse settings" fills them). */
import { create } from "zustand";

import type { GenerateRequest } from "@zimage/web/api";
import { DEFAULT_PRESET } from "@zimage/web/lib/limits";

export const MAX_SEED = 2 ** 32 - 1;

export interface Draft {
  prompt: string;
  templateId: string | null;
  templateValues: Record<string, string>;
  preset: string;
  numImages: number;
  seedMode: "random" | "fixed";
  seed: string;
  /** A brand kit whose prompt guidance the server applies (and records). */
  brandKitId: string | null;
}

export const emptyDraft: Draft = {
  prompt: "",
  templateId: null,
  templateValues: {},
  preset: DEFAULT_PRESET,
  numImages: 1,
  seedMode: "random",
  seed: "",
  brandKitId: null,
};

interface DraftStore extends Draft {
  update: (patch: Partial<Draft>) => void;
  reset: () => void;
}

export const useDraft = create<DraftStore>((set) => ({
  ...emptyDraft,
  update: (patch) => set(patch),
  reset: () => set(emptyDraft),
}));

export function randomSeed(): number {
  const buffer = new Uint32Array(1);
  crypto.getRandomValues(buffer);
  return buffer[0] as number;
}

export function parseSeed(text: string): number | null {
  if (!/^\d+$/.test(text.trim())) return null;
  const seed = Number(text.trim());
  return seed <= MAX_SEED ? seed : null;
}

/** Settings of a finished image or task, as a draft: the prompt as it ran, the same size and seed. */
export function draftFrom(settings: {
  prompt: string;
  preset: string | null;
  num_images?: number;
  seed: number;
  brand_kit_id?: string | null;
}): Draft {
  return {
    ...emptyDraft,
    brandKitId: settings.brand_kit_id ?? null,
    prompt: settings.prompt,
    preset: settings.preset ?? DEFAULT_PRESET,
    numImages: settings.num_images ?? 1,
    seedMode: "fixed",
    seed: String(settings.seed),
  };
}

/** The request a draft sends; template values are cleaned by the caller. */
export function requestFrom(draft: Draft, templateVars: Record<string, string>): GenerateRequest {
  const prompt = draft.prompt.trim();
  const request: GenerateRequest = { preset: draft.preset, num_images: draft.numImages };
  if (prompt) request.prompt = prompt;
  if (draft.templateId) {
    request.template_id = draft.templateId;
    request.template_vars = templateVars;
  }
  const seed = draft.seedMode === "fixed" ? parseSeed(draft.seed) : null;
  if (seed !== null) request.seed = seed;
  if (draft.brandKitId) request.brand_kit_id = draft.brandKitId;
  return request;
}

/** The same settings as a finished task (its expanded prompt, size, count), with a new random seed. */
export function requestWithNewSeed(task: {
  prompt: string;
  preset: string | null;
  width: number;
  height: number;
  num_images: number;
}): GenerateRequest {
  const size = task.preset ? { preset: task.preset } : { width: task.width, height: task.height };
  return { prompt: task.prompt, num_images: task.num_images, seed: randomSeed(), ...size };
}
