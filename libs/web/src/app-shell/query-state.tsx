"use client";

import type { ReactNode } from "react";
import { useTranslations } from "use-intl";

import { ApiError } from "../api";
import { describeError } from "../i18n";
import { Button } from "../ui/button";
import { StateMessage } from "../ui/state";

/** A failed load as the page shows it: no permission (403) or an error with a retry. */
export function QueryError({ error, title, onRetry }: { error: unknown; title: ReactNode; onRetry?: () => void }) {
  const tc = useTranslations("common");
  const te = useTranslations("errors");
  if (error instanceof ApiError && error.status === 403) {
    return <StateMessage kind="forbidden" title={tc("forbiddenTitle")} description={describeError(te, error)} />;
  }
  return (
    <StateMessage
      kind="error"
      title={title}
      description={describeError(te, error)}
      action={onRetry ? <Button variant="outline" onClick={onRetry}>{tc("retry")}</Button> : undefined}
    />
  );
}
