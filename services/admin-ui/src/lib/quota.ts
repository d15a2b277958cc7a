/** The quota form: each limit is the default (null) or a whole number within what the server accepts. */
export const QUOTA_MAX = { images_per_day: 100_000, max_active_tasks: 100 } as const;
export type QuotaField = keyof typeof QUOTA_MAX;

export interface LimitInput {
  useDefault: boolean;
  value: string;
}

/** The value to send (null = the default), or "invalid". */
export function parseLimit(input: LimitInput, field: QuotaField): number | null | "invalid" {
  if (input.useDefault) return null;
  const text = input.value.trim();
  if (!/^\d+$/.test(text)) return "invalid";
  const value = Number(text);
  return value >= 1 && value <= QUOTA_MAX[field] ? value : "invalid";
}

export function limitInput(override: number | null, fallback: number): LimitInput {
  return { useDefault: override === null, value: String(override ?? fallback) };
}
