/** Channel size presets as the picker shows them: grouped by channel, with their shape and exact pixels. */
import type { SizePresetOut } from "@zimage/web/api";

export const CHANNEL_ORDER = ["general", "instagram", "facebook", "x", "youtube", "naver", "kakao"] as const;

export type Channel = (typeof CHANNEL_ORDER)[number];

export function knownChannel(channel: string): channel is Channel {
  return (CHANNEL_ORDER as readonly string[]).includes(channel);
}

export interface ChannelGroup {
  channel: string;
  presets: SizePresetOut[];
}

export function groupByChannel(presets: readonly SizePresetOut[]): ChannelGroup[] {
  const groups = new Map<string, SizePresetOut[]>();
  for (const preset of presets) {
    const list = groups.get(preset.channel) ?? [];
    list.push(preset);
    groups.set(preset.channel, list);
  }
  const rank = (channel: string) => {
    const i = (CHANNEL_ORDER as readonly string[]).indexOf(channel);
    return i === -1 ? CHANNEL_ORDER.length : i;
  };
  return [...groups.entries()]
    .sort(([a], [b]) => rank(a) - rank(b) || a.localeCompare(b))
    .map(([channel, list]) => ({ channel, presets: list }));
}

/** The preset's shape scaled to fit a `box`×`box` square, at least 4 px on the short side. */
export function shapeBox(width: number, height: number, box = 32): { width: number; height: number } {
  if (width <= 0 || height <= 0) return { width: box, height: box };
  const scale = box / Math.max(width, height);
  return { width: Math.max(4, Math.round(width * scale)), height: Math.max(4, Math.round(height * scale)) };
}

/** Whether the model runs at another size and the result is cropped/resized to the exact pixels. */
export function isResized(preset: Pick<SizePresetOut, "width" | "height" | "generation_width" | "generation_height">): boolean {
  return preset.width !== preset.generation_width || preset.height !== preset.generation_height;
}

export function presetName(preset: Pick<SizePresetOut, "name_ko" | "name_en">, locale: string): string {
  return locale === "ko" ? preset.name_ko : preset.name_en;
}

export const pixels = (width: number, height: number) => `${width}×${height}`;
