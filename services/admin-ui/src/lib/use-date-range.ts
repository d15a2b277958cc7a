"use client";

import { usePathname, useRouter, useSearchParams } from "next/navigation";
import { useCallback, useMemo } from "react";

import { TIME_ZONE } from "@zimage/web/i18n";
import {
  dayIn,
  matchPreset,
  parseRange,
  presetRange,
  rangeQuery,
  type DateRange,
  type RangePreset,
} from "@zimage/web/lib/date-range";

/** The page's date range, kept in the address (?from=&to=) so a reload or a shared link shows the same. */
export function useDateRange(fallback: RangePreset = "30d") {
  const params = useSearchParams();
  const router = useRouter();
  const pathname = usePathname();
  const from = params.get("from");
  const to = params.get("to");
  // "now" moves on only when the range in the address changes; a page left open keeps its numbers' range
  // eslint-disable-next-line react-hooks/exhaustive-deps
  const now = useMemo(() => new Date(), [from, to]);
  const range = useMemo(() => parseRange({ from, to }, now, TIME_ZONE, fallback), [from, to, now, fallback]);
  const query = useMemo(() => rangeQuery(range, TIME_ZONE), [range]);
  const setRange = useCallback(
    (next: DateRange) => {
      const search = new URLSearchParams(params.toString());
      search.set("from", next.from);
      search.set("to", next.to);
      router.replace(`${pathname}?${search.toString()}`, { scroll: false });
    },
    [params, pathname, router],
  );
  return {
    range,
    query,
    today: dayIn(now, TIME_ZONE),
    preset: matchPreset(range, now, TIME_ZONE),
    setRange,
    setPreset: (preset: RangePreset) => setRange(presetRange(preset, new Date(), TIME_ZONE)),
  };
}
