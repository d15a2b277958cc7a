/**
 * Date ranges as people pick them (whole calendar days in the team's time zone, both ends included) and as
 * the stats API takes them (instants: `from` inclusive, `to` exclusive, plus a bucket size).
 */
export interface DateRange {
  /** First day, YYYY-MM-DD. */
  from: string;
  /** Last day, YYYY-MM-DD, included. */
  to: string;
}

export type Bucket = "hour" | "day";
export type RangePreset = "today" | "7d" | "30d" | "90d";
export const RANGE_PRESETS: readonly RangePreset[] = ["today", "7d", "30d", "90d"];
/** The longest range the pages ask for (a year and a day: a leap year fits). */
export const MAX_RANGE_DAYS = 366;

const DAY = /^(\d{4})-(\d{2})-(\d{2})$/;
const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

export function isDay(value: string | null | undefined): value is string {
  const match = DAY.exec(value ?? "");
  if (!match) return false;
  const date = new Date(Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3])));
  return date.toISOString().slice(0, 10) === value; // 2026-02-30 is not a day
}

/** The calendar day `now` falls on in `timeZone`. */
export function dayIn(now: Date, timeZone: string): string {
  // en-CA writes dates as YYYY-MM-DD
  return new Intl.DateTimeFormat("en-CA", { timeZone, year: "numeric", month: "2-digit", day: "2-digit" }).format(now);
}

export function addDays(day: string, days: number): string {
  const [y, m, d] = day.split("-").map(Number) as [number, number, number];
  return new Date(Date.UTC(y, m - 1, d + days)).toISOString().slice(0, 10);
}

/** Days from `from` to `to`, both included (1 for a single day). */
export function rangeDays(range: DateRange): number {
  return Math.round((Date.parse(range.to) - Date.parse(range.from)) / DAY_MS) + 1;
}

/** Milliseconds `timeZone` is ahead of UTC at `instant`. */
function offsetMs(instant: Date, timeZone: string): number {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat("en-US", {
      timeZone,
      hourCycle: "h23",
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      second: "2-digit",
    })
      .formatToParts(instant)
      .map((p) => [p.type, p.value]),
  );
  const asUtc = Date.UTC(+parts.year!, +parts.month! - 1, +parts.day!, +parts.hour!, +parts.minute!, +parts.second!);
  return asUtc - (instant.getTime() - instant.getMilliseconds());
}

/** The instant a day starts in `timeZone` (midnight there). */
export function startOfDay(day: string, timeZone: string): Date {
  const guess = new Date(`${day}T00:00:00Z`);
  const first = new Date(guess.getTime() - offsetMs(guess, timeZone));
  // a zone whose offset changes that night: correct once with the offset at the first answer
  return new Date(guess.getTime() - offsetMs(first, timeZone));
}

export function presetRange(preset: RangePreset, now: Date, timeZone: string): DateRange {
  const today = dayIn(now, timeZone);
  const days = preset === "today" ? 1 : Number.parseInt(preset, 10);
  return { from: addDays(today, 1 - days), to: today };
}

/** Which preset a range is, if any (for the picker's pressed button). */
export function matchPreset(range: DateRange, now: Date, timeZone: string): RangePreset | null {
  return RANGE_PRESETS.find((p) => {
    const candidate = presetRange(p, now, timeZone);
    return candidate.from === range.from && candidate.to === range.to;
  }) ?? null;
}

/**
 * A range from the address bar (`?from=&to=`), made safe: invalid days fall back to `fallback`, reversed ends
 * are swapped, a future end stops at today, and a range longer than MAX_RANGE_DAYS keeps its end.
 */
export function parseRange(
  params: { from?: string | null; to?: string | null },
  now: Date,
  timeZone: string,
  fallback: RangePreset = "30d",
): DateRange {
  if (!isDay(params.from) || !isDay(params.to)) return presetRange(fallback, now, timeZone);
  const today = dayIn(now, timeZone);
  let [from, to] = params.from <= params.to ? [params.from, params.to] : [params.to, params.from];
  if (to > today) to = today;
  if (from > to) from = to;
  if (rangeDays({ from, to }) > MAX_RANGE_DAYS) from = addDays(to, 1 - MAX_RANGE_DAYS);
  return { from, to };
}

export interface RangeQuery {
  from: string;
  to: string;
  bucket: Bucket;
}

/** The stats API serves hour buckets for up to 31 days; its day buckets are UTC days. */
export const HOURLY_MAX_DAYS = 31;

/**
 * The stats API's parameters for a range of whole days in `timeZone`. Hours wherever the API allows them
 * (up to 31 days): hours add up to the team's own days, where the API's UTC days would cut Seoul's days at
 * 09:00. Longer ranges get UTC days.
 */
export function rangeQuery(range: DateRange, timeZone: string): RangeQuery {
  return {
    from: startOfDay(range.from, timeZone).toISOString(),
    to: startOfDay(addDays(range.to, 1), timeZone).toISOString(),
    bucket: rangeDays(range) <= HOURLY_MAX_DAYS ? "hour" : "day",
  };
}

/** How a chart of the range groups its points: hours for up to two days, days beyond. */
export function chartBucket(range: DateRange): Bucket {
  return rangeDays(range) <= 2 ? "hour" : "day";
}

/**
 * Hourly points summed into the calendar days of `timeZone` (counts and seconds add up; distinct users and
 * percentiles do not, so only `keys` are summed). Days come out in order, each once.
 */
export function sumByDay<T extends { start: string }, K extends keyof T>(
  series: readonly T[],
  timeZone: string,
  keys: readonly K[],
): ({ day: string } & Record<K, number>)[] {
  const days = new Map<string, { day: string } & Record<K, number>>();
  for (const point of series) {
    const day = dayIn(new Date(point.start), timeZone);
    let sum = days.get(day);
    if (!sum) {
      sum = { day, ...Object.fromEntries(keys.map((k) => [k, 0])) } as { day: string } & Record<K, number>;
      days.set(day, sum);
    }
    for (const key of keys) (sum[key] as number) += Number(point[key] ?? 0);
  }
  return [...days.values()];
}
