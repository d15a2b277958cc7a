/** The stats API's answer shaped for the dashboard's cards and charts. */
import type { StatsOut } from "@zimage/web/api";
import { chartBucket, dayIn, rangeDays, sumByDay, type DateRange } from "@zimage/web/lib/date-range";
import { formatDay, formatHour } from "@zimage/web/lib/format";

// type aliases, not interfaces: the charts take rows as string-indexed records
export type ImageRow = {
  label: string;
  images: number;
  failures: number;
};

/**
 * The images chart's bars: per hour for a range of up to two days; else per day of the team's time zone,
 * summed from the API's hours (up to 31 days), or the API's own UTC days beyond that.
 */
export function imageRows(stats: StatsOut, range: DateRange, locale: string, timeZone: string): ImageRow[] {
  if (stats.bucket === "day") {
    return stats.series.map((p) => ({ label: formatDay(dayIn(new Date(p.start), "UTC"), locale), images: p.images, failures: p.failures }));
  }
  if (chartBucket(range) === "hour") {
    const withDate = rangeDays(range) > 1;
    return stats.series.map((p) => ({ label: formatHour(p.start, locale, timeZone, withDate), images: p.images, failures: p.failures }));
  }
  return sumByDay(stats.series, timeZone, ["images", "failures"]).map((d) => ({
    label: formatDay(d.day, locale),
    images: d.images,
    failures: d.failures,
  }));
}

export type WaitRow = {
  label: string;
  queue_wait_p50: number | null;
  queue_wait_p95: number | null;
};

/** The queue-wait line: the API's points as they come (percentiles do not add up into days). */
export function waitRows(stats: StatsOut, range: DateRange, locale: string, timeZone: string): WaitRow[] {
  const withDate = rangeDays(range) > 1;
  return stats.series.map((p) => ({
    label: stats.bucket === "day" ? formatDay(dayIn(new Date(p.start), "UTC"), locale) : formatHour(p.start, locale, timeZone, withDate),
    queue_wait_p50: p.queue_wait_p50,
    queue_wait_p95: p.queue_wait_p95,
  }));
}

export type FailureTone = "default" | "warning" | "danger";

/** Amber from 5 % failed tasks, red from 20 %. */
export function failureTone(rate: number): FailureTone {
  if (rate >= 0.2) return "danger";
  if (rate >= 0.05) return "warning";
  return "default";
}

/** The top users as chart rows, named by display name (else email, else a short id). */
export function topUserRows(
  stats: Pick<StatsOut, "top_users">,
  users: ReadonlyMap<string, { display_name: string; email: string }> | undefined,
  unknown: string,
): { id: string; name: string; value: number }[] {
  return stats.top_users.map((top) => {
    const user = users?.get(top.user_id);
    return { id: top.user_id, name: user ? user.display_name || user.email : `${unknown} (${top.user_id.slice(0, 8)})`, value: top.gpu_seconds };
  });
}
