import { ChevronLeft, ChevronRight } from "lucide-react";
import type { ReactNode } from "react";

import { Button } from "./button";

/** Previous / next for cursor-paged lists, with where the reader is ("page 2", "26–50 of 80"). */
export function Pager({
  status,
  hasPrevious,
  hasNext,
  onPrevious,
  onNext,
  labels,
  busy = false,
}: {
  status: ReactNode;
  hasPrevious: boolean;
  hasNext: boolean;
  onPrevious: () => void;
  onNext: () => void;
  labels: { navigation: string; previous: string; next: string };
  busy?: boolean;
}) {
  return (
    <nav aria-label={labels.navigation} className="flex items-center justify-between gap-2 py-2">
      <p className="text-sm text-muted-foreground" aria-live="polite">
        {status}
      </p>
      <div className="flex gap-2">
        <Button variant="outline" size="sm" disabled={!hasPrevious || busy} onClick={onPrevious}>
          <ChevronLeft aria-hidden="true" />
          {labels.previous}
        </Button>
        <Button variant="outline" size="sm" disabled={!hasNext || busy} onClick={onNext}>
          {labels.next}
          <ChevronRight aria-hidden="true" />
        </Button>
      </div>
    </nav>
  );
}
