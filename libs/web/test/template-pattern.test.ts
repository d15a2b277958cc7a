import { describe, expect, it } from "vitest";

import { patternVariables, templateProblems } from "../src/lib/template-pattern";

const variable = (name: string) => ({ name, label_ko: name, label_en: name, required: true, max_length: 100 });

describe("template patterns", () => {
  it("list the variables a pattern uses, once each, in order", () => {
    expect(patternVariables("{product} 광고, {mood} 분위기, {product} 클로즈업")).toEqual(["product", "mood"]);
    expect(patternVariables("no {Upper} or { spaced } names")).toEqual([]);
  });

  it("find what the server would refuse", () => {
    const ok = { name_ko: "제품", name_en: "", pattern: "{product} 사진", variables: [variable("product")] };
    expect(templateProblems(ok)).toEqual([]);
    expect(templateProblems({ ...ok, name_ko: " " })).toEqual(["name"]);
    expect(templateProblems({ ...ok, variables: [] })).toEqual(["undeclared"]);
    expect(templateProblems({ ...ok, variables: [variable("product"), variable("extra")] })).toEqual(["unused"]);
    expect(templateProblems({ ...ok, variables: [variable("product"), variable("product")] })).toEqual(["variableDuplicate"]);
    expect(templateProblems({ ...ok, pattern: "", variables: [variable("Bad")] })).toEqual(["pattern", "variableName", "unused"]);
  });
});
