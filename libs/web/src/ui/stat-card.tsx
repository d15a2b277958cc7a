import type { ReactNode } from "react";

import { cn } from "../lib/cn";
import { Skeleton } from "./skeleton";

/** One number with its label: a dashboard card. `value` null shows a placeholder while loading. */
export function StatCard({
  label,
  value,
  hint,
  icon,
  tone = "default",
  className,
  ...props
}: {
  label: ReactNode;
  value: ReactNode | null;
  hint?: ReactNode;
  icon?: ReactNode;
  tone?: "default" | "warning" | "danger";
  className?: string;
  "data-testid"?: string;
}) {
  return (
    <div className={cn("flex flex-col gap-1 rounded-lg border bg-card p-4 shadow-sm", className)} {...props}>
      <div className="flex items-center justify-between gap-2 text-sm text-muted-foreground [&_svg]:size-4">
        <span>{label}</span>
        {icon}
      </div>
      {value === null ? (
        <Skeleton className="h-8 w-24" />
      ) : (
        <div
          data-slot="value"
          className={cn(
            "text-2xl font-bold tabular-nums tracking-tight",
            tone === "warning" && "text-amber-700 dark:text-amber-400",
            tone === "danger" && "text-destructive",
          )}
        >
          {value}
        </div>
      )}
      {hint ? <div className="text-xs text-muted-foreground">{hint}</div> : null}
    </div>
  );
}
