import { cleanup, fireEvent, screen, waitFor } from "@testing-library/react";
import { useState } from "react";
import { afterEach, describe, expect, it } from "vitest";

import type { TemplateOut, TemplateVariable } from "@zimage/web/api";
import { patternVariables, templateProblems } from "@zimage/web/lib/template-pattern";

import { TemplateVariablesForm } from "@/components/generate/template-fields";
import { cleanValues, initialValues, validateValues } from "@/lib/template-form";

import { renderWithApp } from "./render";

afterEach(cleanup);

const VARIABLES: TemplateVariable[] = [
  { name: "product", label_ko: "제품", label_en: "Product", default: null, required: true, max_length: 20 },
  { name: "mood", label_ko: "분위기", label_en: "Mood", default: "따뜻한", required: true, max_length: 100 },
  { name: "extra", label_ko: "추가", label_en: "Extra", default: null, required: false, max_length: 100 },
];

const TEMPLATE: TemplateOut = {
  id: "tpl-1",
  owner_id: null,
  scope: "builtin",
  category: "product",
  name_ko: "제품 광고",
  name_en: "Product ad",
  description_ko: "제품 사진",
  description_en: "Product photo",
  pattern: "{product} 광고, {mood} 분위기 {extra}",
  variables: VARIABLES,
  default_preset: "instagram_square",
  editable: false,
  created_at: "2026-01-01T00:00:00Z",
  updated_at: "2026-01-01T00:00:00Z",
};

describe("template form rules", () => {
  it("starts from the defaults", () => {
    expect(initialValues(VARIABLES)).toEqual({ product: "", mood: "따뜻한", extra: "" });
  });

  it("requires required variables without a default and checks lengths after trimming", () => {
    expect(validateValues(VARIABLES, { product: "  ", mood: "", extra: "" })).toEqual({ product: "required" });
    expect(validateValues(VARIABLES, { product: "x".repeat(21), mood: "m" })).toEqual({ product: "tooLong" });
    expect(validateValues(VARIABLES, { product: ` ${"x".repeat(20)} ` })).toEqual({});
  });

  it("sends trimmed values and leaves blanks to the server's defaults", () => {
    expect(cleanValues(VARIABLES, { product: " 커피 ", mood: "", extra: "  " })).toEqual({ product: "커피" });
  });

  it("reads variable names from a pattern once each", () => {
    expect(patternVariables("{product} and {mood}, {product} {Bad} {x_1}")).toEqual(["product", "mood", "x_1"]);
  });

  it("finds what the server would refuse in a template being edited", () => {
    const base = { name_ko: "이름", name_en: "", description_ko: "", description_en: "", category: "other" as const, default_preset: "square_1024" };
    expect(templateProblems({ ...base, pattern: "{a} 사진", variables: [] })).toEqual(["undeclared"]);
    expect(templateProblems({ ...base, pattern: "사진", variables: [{ name: "a", label_ko: "A", label_en: "" }] })).toEqual(["unused"]);
    expect(templateProblems({ ...base, name_ko: "", pattern: "{A}", variables: [{ name: "A", label_ko: "", label_en: "" }] })).toEqual([
      "name",
      "variableName",
      "unused",
      "variableLabel",
    ]);
  });
});

function Harness() {
  const [values, setValues] = useState(initialValues(VARIABLES));
  return <TemplateVariablesForm template={TEMPLATE} values={values} errors={validateValues(VARIABLES, values)} onChange={setValues} />;
}

describe("TemplateVariablesForm", () => {
  it("fills variables through labelled inputs and shows the server's expansion", async () => {
    const previews: unknown[] = [];
    const fetchMock = async (input: RequestInfo | URL, init?: RequestInit) => {
      const request = input instanceof Request ? input : new Request(String(input), init);
      expect(new URL(request.url).pathname).toBe("/api/v1/templates/tpl-1/preview");
      const { variables } = (await request.json()) as { variables: Record<string, string> };
      previews.push(variables);
      const prompt = `${variables.product ?? "{product}"} 광고, ${variables.mood ?? "따뜻한"} 분위기`;
      return new Response(JSON.stringify({ template_id: "tpl-1", name: "Product ad", name_ko: "제품 광고", prompt, preset: "instagram_square" }), {
        status: 200,
        headers: { "content-type": "application/json" },
      });
    };
    renderWithApp(<Harness />, { fetch: fetchMock as typeof fetch });
    expect(screen.getByRole("alert").textContent).toBe("필수 항목입니다.");
    // no expansion is asked for while a required field is empty: the pattern shows instead
    expect(screen.getByTestId("template-preview-pending").textContent).toContain("{product} 광고");
    const product = screen.getByLabelText("제품 *");
    expect(screen.getByLabelText("분위기")).toHaveProperty("value", "따뜻한");
    expect(screen.getByLabelText("추가")).toBeTruthy();
    fireEvent.change(product, { target: { value: "  콜드브루  " } });
    expect(screen.queryByRole("alert")).toBeNull();
    await waitFor(() => expect(screen.getByTestId("template-preview").textContent).toBe("콜드브루 광고, 따뜻한 분위기"), { timeout: 3000 });
    expect(previews).toEqual([{ product: "콜드브루", mood: "따뜻한" }]);
  });
});
