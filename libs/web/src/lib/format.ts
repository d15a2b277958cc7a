/** Numbers as the admin pages show them, in the reader's language (Intl, no hand-made separators). */

export function formatInteger(value: number, locale: string): string {
  return new Intl.NumberFormat(locale, { maximumFractionDigits: 0 }).format(value);
}

/** A share (0.025) as a percentage ("2.5%"); below 0.1 % but above zero says "<0.1%", never "0%". */
export function formatPercent(fraction: number, locale: string): string {
  const percent = new Intl.NumberFormat(locale, { style: "percent", maximumFractionDigits: 1 });
  if (fraction > 0 && fraction < 0.001) return `<${percent.format(0.001)}`;
  return percent.format(fraction);
}

function unit(value: number, name: "millisecond" | "second" | "minute" | "hour", locale: string, digits: number): string {
  return new Intl.NumberFormat(locale, { style: "unit", unit: name, unitDisplay: "short", maximumFractionDigits: digits }).format(value);
}

/** A duration in seconds at a readable scale: 850 ms, 2.4 s, 3.5 min, 1.2 h. */
export function formatSeconds(seconds: number, locale: string): string {
  if (seconds < 1) return unit(Math.round(seconds * 1000), "millisecond", locale, 0);
  if (seconds < 60) return unit(seconds, "second", locale, seconds < 10 ? 1 : 0);
  if (seconds < 3600) return unit(seconds / 60, "minute", locale, 1);
  return unit(seconds / 3600, "hour", locale, 1);
}

/** Bytes in binary units, as GPU tools report memory: 512 MiB, 23.7 GiB. */
export function formatBytes(bytes: number, locale: string): string {
  const units = ["B", "KiB", "MiB", "GiB", "TiB"] as const;
  let value = bytes;
  let index = 0;
  while (value >= 1024 && index < units.length - 1) {
    value /= 1024;
    index += 1;
  }
  const digits = index === 0 || value >= 100 ? 0 : 1;
  return `${new Intl.NumberFormat(locale, { maximumFractionDigits: digits }).format(value)} ${units[index]}`;
}

/** A calendar day (YYYY-MM-DD) as a chart's axis label: "11. 26." / "11/26". */
export function formatDay(day: string, locale: string): string {
  return new Intl.DateTimeFormat(locale, { month: "numeric", day: "numeric", timeZone: "UTC" }).format(new Date(`${day}T00:00:00Z`));
}

/** An hour bucket's start in `timeZone`, 24-hour: "14:00", or "11. 26. 14:00" / "11/26, 14:00" across days. */
export function formatHour(start: string, locale: string, timeZone: string, withDate = false): string {
  return new Intl.DateTimeFormat(locale, {
    ...(withDate ? { month: "numeric", day: "numeric" } : {}),
    hour: "2-digit",
    minute: "2-digit",
    hourCycle: "h23",
    timeZone,
  }).format(new Date(start));
}
