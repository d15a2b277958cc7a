import { AlertTriangle, Inbox, Lock } from "lucide-react";
import type { ReactNode } from "react";

import { cn } from "../lib/cn";

/** The designed empty / error / no-permission states every page shows instead of a blank area. */
export function StateMessage({
  kind,
  title,
  description,
  action,
  className,
}: {
  kind: "empty" | "error" | "forbidden";
  title: ReactNode;
  description?: ReactNode;
  action?: ReactNode;
  className?: string;
}) {
  const Icon = kind === "error" ? AlertTriangle : kind === "forbidden" ? Lock : Inbox;
  return (
    <div
      role={kind === "error" ? "alert" : undefined}
      className={cn("flex flex-col items-center justify-center gap-3 rounded-lg border border-dashed px-6 py-12 text-center", className)}
    >
      <Icon aria-hidden="true" className={cn("size-10", kind === "error" ? "text-destructive" : "text-muted-foreground")} />
      <div className="space-y-1">
        <p className="text-base font-semibold">{title}</p>
        {description ? <p className="max-w-md text-sm text-muted-foreground">{description}</p> : null}
      </div>
      {action}
    </div>
  );
}
