/** An audit entry's detail as short lines ("role: user → admin"), whatever service wrote it. */

export interface DetailLine {
  key: string;
  text: string;
}

type Show = (value: unknown) => string;

function isChange(value: unknown): value is { from: unknown; to: unknown } {
  return typeof value === "object" && value !== null && !Array.isArray(value) && "from" in value && "to" in value;
}

const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/;

/** `null` reads as `nullText` (a quota of null is the default), instants through `formatInstant`, objects as JSON. */
export function showValue(nullText: string, formatInstant: (value: Date) => string): Show {
  const show: Show = (value) => {
    if (value === null || value === undefined) return nullText;
    if (Array.isArray(value)) return value.map(show).join(", ");
    if (typeof value === "object") return JSON.stringify(value);
    if (typeof value === "string" && INSTANT.test(value) && !Number.isNaN(Date.parse(value))) return formatInstant(new Date(value));
    return String(value);
  };
  return show;
}

/**
 * Changes ({from, to}) first as "a → b"; a `changes` object stands for the `before`/`after` pair beside it;
 * names that only identify the target (`email`, `name`, `label`) are left to the target column.
 */
export function auditDetailLines(detail: Record<string, unknown>, show: Show): DetailLine[] {
  const lines: DetailLine[] = [];
  const identity = new Set(["email", "name", "label"]);
  const source =
    typeof detail.changes === "object" && detail.changes !== null && !Array.isArray(detail.changes)
      ? (detail.changes as Record<string, unknown>)
      : detail;
  for (const [key, value] of Object.entries(source)) {
    if (source === detail && (identity.has(key) || key === "before" || key === "after")) continue;
    lines.push({ key, text: isChange(value) ? `${show(value.from)} → ${show(value.to)}` : show(value) });
  }
  return lines;
}

/** What the entry was done to, in words people know: the email, the template's or preset's name. */
export function targetName(detail: Record<string, unknown>): string | null {
  for (const key of ["email", "name", "label"]) {
    if (typeof detail[key] === "string" && detail[key]) return detail[key] as string;
  }
  return null;
}
