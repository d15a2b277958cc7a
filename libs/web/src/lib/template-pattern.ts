/** A template's pattern and its variables: the checks the gallery service makes, found before sending. */
import type { TemplateVariable } from "../api/schema";

export const VARIABLE_NAME = /^[a-z][a-z0-9_]{0,31}$/;

/** Variable names a pattern uses, in order of first use: `{product}` → "product". */
export function patternVariables(pattern: string): string[] {
  const names: string[] = [];
  for (const match of pattern.matchAll(/\{([a-z][a-z0-9_]{0,31})\}/g)) {
    const name = match[1] as string;
    if (!names.includes(name)) names.push(name);
  }
  return names;
}

export type TemplateProblem =
  | "name"
  | "pattern"
  | "variableName"
  | "variableDuplicate"
  | "undeclared"
  | "unused"
  | "variableLabel";

export function templateProblems(form: {
  name_ko: string;
  name_en: string;
  pattern: string;
  variables: readonly TemplateVariable[];
}): TemplateProblem[] {
  const problems: TemplateProblem[] = [];
  if (!form.name_ko.trim() && !form.name_en.trim()) problems.push("name");
  if (!form.pattern.trim()) problems.push("pattern");
  const used = patternVariables(form.pattern);
  const declared = form.variables.map((v) => v.name);
  if (form.variables.some((v) => !VARIABLE_NAME.test(v.name))) problems.push("variableName");
  if (new Set(declared).size !== declared.length) problems.push("variableDuplicate");
  if (used.some((name) => !declared.includes(name))) problems.push("undeclared");
  if (declared.some((name) => !used.includes(name))) problems.push("unused");
  if (form.variables.some((v) => !v.label_ko.trim() && !v.label_en.trim())) problems.push("variableLabel");
  return problems;
}
