import { cn } from "../lib/cn";

/**
 * A horizontal gauge for a measured share (GPU memory, utilisation): role="meter" with its value, turning
 * amber from `thresholds.high` and red from `thresholds.critical` (fractions of max); `null` where a full
 * gauge is no warning (a busy GPU).
 */
export function Meter({
  value,
  max = 1,
  label,
  valueText,
  thresholds = { high: 0.8, critical: 0.95 },
  className,
}: {
  value: number;
  max?: number;
  label: string;
  valueText: string;
  thresholds?: { high: number; critical: number } | null;
  className?: string;
}) {
  const share = max > 0 ? Math.min(1, Math.max(0, value / max)) : 0;
  return (
    <div
      role="meter"
      aria-label={label}
      aria-valuemin={0}
      aria-valuemax={max}
      aria-valuenow={value}
      aria-valuetext={valueText}
      className={cn("h-2.5 w-full overflow-hidden rounded-full bg-secondary", className)}
    >
      <div
        className={cn(
          "h-full rounded-full transition-[width] duration-500",
          !thresholds ? "bg-primary" : share >= thresholds.critical ? "bg-destructive" : share >= thresholds.high ? "bg-amber-500" : "bg-primary",
        )}
        style={{ width: `${share * 100}%` }}
      />
    </div>
  );
}
