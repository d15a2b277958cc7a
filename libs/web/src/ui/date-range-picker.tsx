import { CalendarDays } from "lucide-react";
import { useId } from "react";

import { cn } from "../lib/cn";
import { RANGE_PRESETS, isDay, type DateRange, type RangePreset } from "../lib/date-range";
import { buttonVariants } from "./button";

export interface DateRangeLabels {
  /** The group's name for screen readers, e.g. "기간". */
  group: string;
  from: string;
  to: string;
  presets: Record<RangePreset, string>;
}

/**
 * Quick ranges (today, 7, 30, 90 days) and two native date inputs (keyboard- and phone-friendly). Days are
 * YYYY-MM-DD in the team's time zone; `today` caps both inputs. A half-typed date changes nothing.
 */
export function DateRangePicker({
  value,
  onChange,
  today,
  preset,
  onPreset,
  labels,
  className,
}: {
  value: DateRange;
  onChange: (range: DateRange) => void;
  today: string;
  /** The preset the value equals, if any (shown pressed). */
  preset: RangePreset | null;
  onPreset: (preset: RangePreset) => void;
  labels: DateRangeLabels;
  className?: string;
}) {
  const id = useId();
  const setEnd = (end: "from" | "to", day: string) => {
    if (!isDay(day)) return;
    const next = { ...value, [end]: day };
    // keep the ends in order: moving one past the other moves both
    if (next.from > next.to) {
      if (end === "from") next.to = day;
      else next.from = day;
    }
    onChange(next);
  };
  return (
    <div role="group" aria-label={labels.group} className={cn("flex flex-wrap items-end gap-2", className)}>
      <div className="inline-flex rounded-md border bg-background p-0.5">
        {RANGE_PRESETS.map((p) => (
          <button
            key={p}
            type="button"
            aria-pressed={preset === p}
            onClick={() => onPreset(p)}
            className={cn(
              buttonVariants({ variant: "ghost", size: "sm" }),
              "h-8 rounded-sm",
              preset === p && "bg-primary text-primary-foreground hover:bg-primary/90 hover:text-primary-foreground",
            )}
          >
            {labels.presets[p]}
          </button>
        ))}
      </div>
      <div className="flex items-end gap-2">
        <CalendarDays aria-hidden="true" className="mb-2.5 size-4 text-muted-foreground" />
        <label htmlFor={`${id}-from`} className="sr-only">
          {labels.from}
        </label>
        <input
          id={`${id}-from`}
          type="date"
          value={value.from}
          max={today}
          onChange={(e) => setEnd("from", e.target.value)}
          className="h-9 rounded-md border border-input bg-background px-2 text-sm tabular-nums focus-visible:outline-none focus-visible:ring-2 focus-visible:ring-ring"
        />
        <span aria-hidden="true" className="mb-2 text-muted-foreground">
          –
        </span>
        <label htmlFor={`${id}-to`} className="sr-only">
          {labels.to}
        </label>
        <input
          id={`${id}-to`}
          type="date"
          value={value.to}
          max={today}
          onChange={(e) => setEnd("to", e.target.value)}
          className="h-9 rounded-md border border-input bg-background px-2 text-sm tabular-nums focus-visible:outline-none focus-visible:ring-2 focus-visible:ring-ring"
        />
      </div>
    </div>
  );
}
