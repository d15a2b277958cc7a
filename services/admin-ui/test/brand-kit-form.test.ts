import { describe, expect, it } from "vitest";

import { fileProblem, kitBody, kitProblems, normaliseHex, parseWords, valuesFrom } from "@/lib/brand-kit-form";

describe("the brand kit form", () => {
  it("reads words one per comma or line, tidying spaces", () => {
    expect(parseWords(" 따뜻한   조명,film grain\n\n, 파스텔 ")).toEqual(["따뜻한 조명", "film grain", "파스텔"]);
  });

  it("accepts hex with or without # in any case", () => {
    expect(normaliseHex("e63946")).toBe("#E63946");
    expect(normaliseHex("#1d3557")).toBe("#1D3557");
    expect(normaliseHex("red")).toBe("red");
  });

  it("finds what the API would refuse: no name, bad hex, duplicates, a word both styled and avoided", () => {
    const values = valuesFrom(null);
    values.colours.primary = "#12345";
    values.styleWords = "네온, neon, Neon";
    values.avoidWords = "cartoon, 네온";
    expect(kitProblems(values)).toEqual([
      { field: "name", kind: "required" },
      { field: "colour", role: "primary", kind: "hex" },
      { field: "styleWords", kind: "duplicate", word: "Neon" },
      { field: "avoidWords", kind: "overlap", word: "네온" },
    ]);
  });

  it("sends only the roles that have a colour, in upper case", () => {
    const values = valuesFrom(null);
    values.name = " 카페 봄 ";
    values.colours.text = "#f1faee";
    values.styleWords = "film grain";
    expect(kitBody(values)).toEqual({ name: "카페 봄", colours: [{ role: "text", hex: "#F1FAEE" }], style_words: ["film grain"], avoid_words: [] });
    expect(kitProblems(values)).toEqual([]);
  });

  it("refuses a file of the wrong kind or size before sending it", () => {
    expect(fileProblem(new File(["x"], "Brand.WOFF2"), "font")).toBeNull();
    expect(fileProblem(new File(["x"], "logo.jpg"), "logo")).toBe("type");
    expect(fileProblem(new File([new Uint8Array(2 * 1024 * 1024 + 1)], "logo.png"), "logo")).toBe("size");
  });
});
