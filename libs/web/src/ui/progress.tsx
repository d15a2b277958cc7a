import { Progress as ProgressPrimitive } from "radix-ui";
import type { ComponentPropsWithoutRef } from "react";

import { cn } from "../lib/cn";

export function Progress({
  className,
  value,
  max = 100,
  ...props
}: ComponentPropsWithoutRef<typeof ProgressPrimitive.Root>) {
  const percent = value === null || value === undefined ? 0 : (value / max) * 100;
  return (
    <ProgressPrimitive.Root
      className={cn("relative h-3 w-full overflow-hidden rounded-full bg-secondary", className)}
      value={value}
      max={max}
      {...props}
    >
      <ProgressPrimitive.Indicator
        className="h-full w-full flex-1 bg-primary transition-transform duration-300 ease-out"
        style={{ transform: `translateX(-${100 - percent}%)` }}
      />
    </ProgressPrimitive.Root>
  );
}
