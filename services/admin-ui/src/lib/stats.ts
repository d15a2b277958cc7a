/** The stats API's answer shaped for the dashboard's cards and charts. */
import type { StatsOut, StatsPoint } from "@zimage/web/api";
import { fillSeries, type RangeQuery } from "@zimage/web/lib/date-range";

export function blankPoint(start: string): StatsPoint {
  return {
    start,
    images: 0,
    tasks: 0,
    failures: 0,
    canceled: 0,
    active_users: 0,
    gpu_seconds: 0,
    queue_wait_p50: null,
    queue_wait_p95: null,
  };
}

/** Every bucket of the range, empty ones as zeros (waits as gaps: no task, no wait). */
export function chartSeries(stats: StatsOut, query: RangeQuery): StatsPoint[] {
  return fillSeries(stats.series, query, blankPoint);
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
  stats: StatsOut,
  users: ReadonlyMap<string, { display_name: string; email: string }> | undefined,
  unknown: string,
): { id: string; name: string; value: number }[] {
  return stats.top_users.map((top) => {
    const user = users?.get(top.user_id);
    return { id: top.user_id, name: user ? user.display_name || user.email : `${unknown} (${top.user_id.slice(0, 8)})`, value: top.gpu_seconds };
  });
}
