import { cleanup, fireEvent, screen } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";

import type { SizePresetOut } from "@zimage/web/api";

import { SizePicker } from "@/components/generate/size-picker";
import { groupByChannel, isResized, shapeBox } from "@/lib/sizes";

import { renderWithApp } from "./render";

const preset = (id: string, channel: string, width: number, height: number, gen = [width, height], aspect = ""): SizePresetOut => ({
  id,
  name_ko: `${id} 한국어`,
  name_en: `${id} English`,
  channel,
  width,
  height,
  aspect,
  generation_width: gen[0] as number,
  generation_height: gen[1] as number,
});

const PRESETS = [
  preset("facebook_cover", "facebook", 820, 312, [1664, 640], "205:78"),
  preset("instagram_square", "instagram", 1080, 1080, [1088, 1088], "1:1"),
  preset("square_1024", "general", 1024, 1024, [1024, 1024], "1:1"),
  preset("portrait_9_16", "general", 576, 1024, [576, 1024], "9:16"),
];

afterEach(cleanup);

describe("size helpers", () => {
  it("groups presets by channel in the channel order, general first", () => {
    expect(groupByChannel(PRESETS).map((g) => [g.channel, g.presets.map((p) => p.id)])).toEqual([
      ["general", ["square_1024", "portrait_9_16"]],
      ["instagram", ["instagram_square"]],
      ["facebook", ["facebook_cover"]],
    ]);
  });

  it("scales a shape into its box keeping the aspect, never thinner than 4 px", () => {
    expect(shapeBox(1080, 1080, 28)).toEqual({ width: 28, height: 28 });
    expect(shapeBox(820, 312, 28)).toEqual({ width: 28, height: 11 });
    expect(shapeBox(576, 1024, 32)).toEqual({ width: 18, height: 32 });
    expect(shapeBox(4000, 10, 28)).toEqual({ width: 28, height: 4 });
  });

  it("knows which presets are generated at another size and cropped", () => {
    expect(isResized(PRESETS[0] as SizePresetOut)).toBe(true);
    expect(isResized(PRESETS[2] as SizePresetOut)).toBe(false);
  });
});

describe("SizePicker", () => {
  it("offers every preset as a radio with its exact pixels and aspect, and reports a choice", () => {
    const onChange = vi.fn();
    renderWithApp(<SizePicker presets={PRESETS} value="square_1024" onChange={onChange} />);
    const radios = screen.getAllByRole("radio");
    expect(radios).toHaveLength(4);
    const cover = screen.getByRole("radio", { name: /facebook_cover 한국어, 820×312, 205:78/ });
    expect(screen.getByRole("radio", { name: /square_1024 한국어/ })).toHaveProperty("checked", true);
    fireEvent.click(cover);
    expect(onChange).toHaveBeenCalledWith("facebook_cover");
    expect(screen.getByRole("group", { name: "페이스북" })).toBeTruthy();
    expect(screen.getByTestId("size-summary").textContent).toBe("정확히 1024×1024 픽셀로 생성합니다.");
  });

  it("says when the model runs at another size and the result is cropped", () => {
    renderWithApp(<SizePicker presets={PRESETS} value="facebook_cover" onChange={() => undefined} />, { locale: "en" });
    expect(screen.getByTestId("size-summary").textContent).toBe("Generated at 1664×640, then cropped to exactly 820×312 pixels.");
    const shape = screen.getByTestId("shape-facebook_cover") as HTMLElement;
    expect([shape.style.width, shape.style.height]).toEqual(["28px", "11px"]);
  });
});
