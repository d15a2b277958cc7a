/** The template variable form's rules: defaults, required and length checks, what is sent. */
import type { TemplateVariable } from "@zimage/web/api";

export type VariableError = "required" | "tooLong";

export function initialValues(variables: readonly TemplateVariable[]): Record<string, string> {
  return Object.fromEntries(variables.map((v) => [v.name, v.default ?? ""]));
}

const maxLength = (v: TemplateVariable) => v.max_length ?? 100;

export function validateValues(
  variables: readonly TemplateVariable[],
  values: Record<string, string>,
): Record<string, VariableError> {
  const errors: Record<string, VariableError> = {};
  for (const variable of variables) {
    const value = (values[variable.name] ?? "").trim();
    if (!value && (variable.required ?? true) && !variable.default) errors[variable.name] = "required";
    else if (value.length > maxLength(variable)) errors[variable.name] = "tooLong";
  }
  return errors;
}

/** Trimmed values; blanks left out, so the server applies the variable's default. */
export function cleanValues(variables: readonly TemplateVariable[], values: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const variable of variables) {
    const value = (values[variable.name] ?? "").trim();
    if (value) out[variable.name] = value;
  }
  return out;
}
